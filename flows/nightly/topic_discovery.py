"""Topic discovery from the store: recent reviews with no taxonomy topic, clustered by the embeddings the scoring
pass kept and named by the terms review_terms holds, written out. Nothing is scored or segmented a second time."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import query, run_script, sql_text, transaction
from reviewlens.models.clustering import Candidate, discover
from reviewlens.models.inference import ReviewModel


def discover_topics(con: duckdb.DuckDBPyConnection, model: ReviewModel, settings: Settings, run_date: date) -> int:
    """Replace topic_candidates with clusters of recent untopiced reviews, per language; returns how many were found.
    Embeddings older than the discovery window, or of another model, are dropped."""
    sample = query(con, "discovery/untopiced.sql", {"run_date": run_date, "limit": settings.discovery_sample})
    candidates = []
    if len(sample):
        embeddings = embeddings_of(con, sample, model)
        candidates = discover(embeddings, sample["terms"].tolist(), sample["language"].tolist())
    run_script(con, "discovery/prune_embeddings.sql", {"run_date": run_date})
    return write_candidates(con, sample["review_id"].tolist(), candidates)


def embeddings_of(con: duckdb.DuckDBPyConnection, sample: pd.DataFrame, model: ReviewModel) -> np.ndarray:
    """(N, C) the embedding of each sampled review as the scoring pass kept it. A review scored before the store
    kept embeddings (schema version 7) has none: it is embedded here by the night's model, as it scores, and kept, so
    this happens once per review."""
    vectors = list(sample["embedding"])
    missing = np.flatnonzero(sample["embedding"].isna()).tolist()
    if missing:
        scored = model.score(sample["body"].iloc[missing].tolist(), aspects=False)
        for i, s in zip(missing, scored):
            vectors[i] = s.embedding
        frame = pd.DataFrame({"review_id": sample["review_id"].iloc[missing].tolist(), "model_version": model.version,
                              "embedding": [s.embedding.astype(np.float32).tolist() for s in scored]})
        con.register("embeddings_frame", frame)
        try:
            run_script(con, "discovery/write_embeddings.sql")
        finally:
            con.unregister("embeddings_frame")
    return np.stack([np.asarray(v, dtype=np.float32) for v in vectors])


def write_candidates(con: duckdb.DuckDBPyConnection, ids: list[str], candidates: list[Candidate]) -> int:
    """Replace topic_candidates with these clusters (example indices point into ids); returns how many."""
    frame = pd.DataFrame({
        "candidate_id": range(1, len(candidates) + 1),
        "size": [c.size for c in candidates],
        "language": [c.language for c in candidates],
        "terms": [c.terms for c in candidates],
        "example_ids": [[ids[i] for i in c.example_indices] for c in candidates],
    })
    with transaction(con):
        con.execute("DELETE FROM topic_candidates")
        if len(frame):
            con.register("candidates_frame", frame)
            con.execute(sql_text("discovery/write_candidates.sql"))
            con.unregister("candidates_frame")
    return len(candidates)
