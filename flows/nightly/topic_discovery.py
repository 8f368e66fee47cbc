"""Topic discovery from the store: recent reviews with no taxonomy topic, embedded, clustered, written out."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import sql_text, transaction
from reviewlens.models.clustering import Candidate, discover
from reviewlens.models.inference import ReviewModel


def discover_topics(con: duckdb.DuckDBPyConnection, model: ReviewModel, settings: Settings, run_date: date) -> int:
    """Replace topic_candidates with clusters of recent untopiced reviews, per language; returns how many were found."""
    sample = con.execute(sql_text("discovery/untopiced.sql"), {"run_date": run_date, "limit": settings.discovery_sample}).fetchall()
    ids, texts, languages = [r[0] for r in sample], [r[1] for r in sample], [r[2] for r in sample]
    candidates = []
    if texts:
        scored = model.score(texts, settings.score_batch_tokens, aspects=False)
        candidates = discover(np.stack([s.embedding for s in scored]), texts, languages)
    return write_candidates(con, ids, candidates)


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
