"""Incremental scoring: reviews the active model has not scored yet (or scored before an edit), in streamed
batches, one transaction each.

Memory is bounded by the batch: reviews are paged by review_id (keyset), so a run killed mid-way keeps
every committed batch and the next run starts where it stopped, with no duplicates. Each score keeps the md5
of the text it scored: a review whose body changed since is scored again, its old rows replaced.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from reviewlens.flows.clock import utc_now
from reviewlens.flows.store.connection import sql_text, transaction
from reviewlens.models.inference import ReviewModel, Scored

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


def count_unscored(con: duckdb.DuckDBPyConnection, model_version: str) -> int:
    return con.execute(sql_text("scoring/count_unscored.sql"), {"model_version": model_version}).fetchone()[0]


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


def score_unscored(
    con: duckdb.DuckDBPyConnection,
    model: ReviewModel,
    run_id: str,
    batch_reviews: int,
    batch_tokens: int,
    on_batch: Callable[[int], None] = lambda n: None,
    stop_after_batches: int | None = None,
) -> int:
    """Score every review the model has not scored, or scored before its body changed; returns how many now."""
    query = sql_text("scoring/next_unscored.sql")
    after, done, batches = "", 0, 0
    while stop_after_batches is None or batches < stop_after_batches:
        page = con.execute(query, {"model_version": model.version, "after": after, "limit": batch_reviews}).fetchall()
        if not page:
            break
        ids, texts, hashes = [r[0] for r in page], [r[1] for r in page], [r[2] for r in page]
        results = model.score(texts, batch_tokens, embeddings=False)
        scores, aspects = score_tables(ids, results, model.version, run_id, hashes)
        edited = [r[0] for r in page if r[3]]
        with transaction(con):
            con.register("batch_scores", scores)
            con.register("batch_aspects", aspects)
            for table in ("review_scores", "review_aspects") if edited else ():  # an edited review's old rows go
                con.execute(f"DELETE FROM {table} WHERE model_version = ? AND review_id IN (SELECT unnest(?::VARCHAR[]))",
                            [model.version, edited])
            con.execute("INSERT INTO review_scores BY NAME SELECT * FROM batch_scores")
            con.execute("INSERT INTO review_aspects BY NAME SELECT * FROM batch_aspects")
            con.unregister("batch_scores")
            con.unregister("batch_aspects")
        after, done, batches = ids[-1], done + len(ids), batches + 1
        on_batch(len(ids))
    return done
