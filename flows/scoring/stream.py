"""Incremental scoring: reviews the active model has not scored yet (or scored before an edit), in shards of
consecutive review ids, each exported to Parquet, scored by a task of the flow's task runner and loaded in its own
transaction (flows/scoring/shards.py has the files; runners.py the runner).

Memory is bounded by the shards in flight, and a run killed mid-way keeps every loaded shard: the next run plans
its shards from what is still unscored, with no duplicates (a shard's load replaces the model's rows for its
reviews). Each score keeps the md5 of the text it scored: a review whose body changed since is scored again, its
old rows replaced.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import duckdb

from reviewlens.flows.scoring.shards import (
    Shard, clear_shards, export_shard, load_shard, plan_shards, remove_shard, score_shard_files)
from reviewlens.flows.store.connection import sql_text
from reviewlens.models.inference import ReviewModel


def count_unscored(con: duckdb.DuckDBPyConnection, model_version: str) -> int:
    return con.execute(sql_text("scoring/count_unscored.sql"), {"model_version": model_version}).fetchone()[0]


class Scoring(Protocol):
    """A submitted shard: Prefect futures (threads or Dask) and the sequential path's finished result alike."""

    def result(self) -> int: ...


@dataclass
class Finished:
    """A shard scored on the spot (the sequential path)."""
    reviews: int

    def result(self) -> int:
        return self.reviews


def score_in_shards(
    con: duckdb.DuckDBPyConnection,
    model_version: str,
    shard_reviews: int,
    root: str,
    submit: Callable[[Shard], Scoring],
    in_flight: int = 2,
    on_shard: Callable[[int], None] = lambda n: None,
    stop_after_shards: int | None = None,
    on_plan: Callable[[int], None] = lambda n: None,
) -> int:
    """Score every review the model has not scored, or scored before its body changed, in shards; returns how many.

    Up to `in_flight` shards are exported and submitted ahead; the oldest is waited for, loaded in its own
    transaction and removed, then the next is exported. A shard that fails for good (after its retries) stops the
    run with every shard loaded before it kept."""
    clear_shards(root)
    plans = plan_shards(con, model_version, shard_reviews)[:stop_after_shards]
    on_plan(sum(p.reviews for p in plans))
    pending: deque[tuple[Shard, Scoring]] = deque()
    upcoming, done = iter(plans), 0
    while True:
        while len(pending) < max(1, in_flight) and (plan := next(upcoming, None)) is not None:
            shard = export_shard(con, plan, model_version, root)
            pending.append((shard, submit(shard)))
        if not pending:
            break
        shard, scoring = pending.popleft()
        scoring.result()
        done += load_shard(con, shard, model_version)
        remove_shard(shard)
        on_shard(shard.reviews)
    clear_shards(root)
    return done


def score_unscored(
    con: duckdb.DuckDBPyConnection,
    model: ReviewModel,
    run_id: str,
    shard_reviews: int,
    batch_tokens: int,
    on_shard: Callable[[int], None] = lambda n: None,
    stop_after_shards: int | None = None,
    root: str | None = None,
) -> int:
    """The same shards scored one after another in this process with a model object (no task runner): what the
    nightly flow does, for scripts and tests. Shard files go under `root` (default: a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="reviewlens-shards-") as scratch:
        return score_in_shards(
            con, model.version, shard_reviews, root or scratch,
            lambda shard: Finished(score_shard_files(shard, model, run_id, batch_tokens)),
            in_flight=1, on_shard=on_shard, stop_after_shards=stop_after_shards)
