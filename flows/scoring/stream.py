"""Incremental scoring: reviews the active model has not scored yet (or scored before an edit), in shards of
consecutive review ids, each exported to Parquet, scored by a task of the flow's task runner and loaded in its own
transaction (flows/scoring/shards.py has the files; runners.py the runner).

Memory is bounded by the shards in flight, and a run killed mid-way keeps every loaded shard: the next run plans
its shards from what is still unscored, with no duplicates (a shard's load replaces the model's rows for its
reviews). Each score keeps the md5 of the text it scored: a review whose body changed since is scored again, its
old rows replaced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

import duckdb

from reviewlens.flows.scoring.shards import Shard, clear_shards, export_shard, load_shard, plan_shards, remove_shard


class Scoring(Protocol):
    """A submitted shard: a Prefect future (threads or Dask), or anything else whose result() is its review count."""

    def result(self) -> int: ...


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
