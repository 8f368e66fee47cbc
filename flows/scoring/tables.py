"""Scores as Arrow tables shaped like review_scores, review_aspects and review_embeddings: what a shard's results
files hold."""

from __future__ import annotations

import pyarrow as pa

from reviewlens.flows.clock import utc_now
from reviewlens.models.inference import Scored

SCORE_SCHEMA = pa.schema([
    ("review_id", pa.string()), ("model_version", pa.string()), ("sentiment", pa.string()),
    ("p_negative", pa.float32()), ("p_neutral", pa.float32()), ("p_positive", pa.float32()),
    ("sentiment_score", pa.float32()), ("topics", pa.list_(pa.string())),
    ("topic_scores", pa.map_(pa.string(), pa.float32())), ("run_id", pa.string()), ("scored_at", pa.timestamp("us")),
    ("text_hash", pa.string()),
])
ASPECT_SCHEMA = pa.schema([
    ("review_id", pa.string()), ("model_version", pa.string()), ("clause_no", pa.int32()), ("char_start", pa.int32()),
    ("char_end", pa.int32()), ("topic", pa.string()), ("sentiment", pa.string()), ("score", pa.float32()),
])
EMBEDDING_SCHEMA = pa.schema([
    ("review_id", pa.string()), ("model_version", pa.string()), ("embedding", pa.list_(pa.float32())),
])



def score_tables(ids: list[str], results: list[Scored], model_version: str, run_id: str,
                 text_hashes: list[str]) -> tuple[pa.Table, pa.Table]:
    """Arrow tables for review_scores and review_aspects from one scored batch."""
    now = utc_now()
    scores = pa.table({
        "review_id": ids, "model_version": [model_version] * len(ids), "sentiment": [r.sentiment for r in results],
        "p_negative": [float(r.probs[0]) for r in results], "p_neutral": [float(r.probs[1]) for r in results],
        "p_positive": [float(r.probs[2]) for r in results], "sentiment_score": [r.score for r in results],
        "topics": [r.topics for r in results], "topic_scores": [list(r.topic_scores.items()) for r in results],
        "run_id": [run_id] * len(ids), "scored_at": [now] * len(ids), "text_hash": text_hashes,
    }, schema=SCORE_SCHEMA)
    rows = [(rid, a) for rid, r in zip(ids, results) for a in r.aspects]
    aspects = pa.table({
        "review_id": [rid for rid, _ in rows], "model_version": [model_version] * len(rows),
        "clause_no": [a.clause_no for _, a in rows], "char_start": [a.start for _, a in rows],
        "char_end": [a.end for _, a in rows], "topic": [a.topic for _, a in rows],
        "sentiment": [a.sentiment for _, a in rows], "score": [a.score for _, a in rows],
    }, schema=ASPECT_SCHEMA)
    return scores, aspects


def embedding_table(ids: list[str], results: list[Scored], model_version: str) -> pa.Table:
    """The pooled embeddings of the reviews that got no topic: what topic discovery clusters, kept from this
    pass so that discovery does not run the model over them again."""
    rows = [(rid, r.embedding) for rid, r in zip(ids, results) if not r.topics]
    return pa.table({
        "review_id": [rid for rid, _ in rows], "model_version": [model_version] * len(rows),
        "embedding": [e.astype("float32").tolist() for _, e in rows],
    }, schema=EMBEDDING_SCHEMA)
