"""Product steps that tests call on their own, without the flow or command around them: scoring in this process with
a model object, how much is left to score, the insight tables, a query's whole result. The product reaches these
only through its flows, so they live here, built from the product's own parts."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from reviewlens.flows.nightly.insights import fills, insight_files
from reviewlens.flows.scoring.shards import score_shard_files
from reviewlens.flows.scoring.stream import score_in_shards
from reviewlens.flows.store.readonly_sql import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT_S, batches
from reviewlens.models.inference import ReviewModel


@dataclass
class Finished:
    """A shard scored on the spot (the sequential path)."""
    reviews: int

    def result(self) -> int:
        return self.reviews


def score_unscored(
    con: duckdb.DuckDBPyConnection,
    model: ReviewModel,
    run_id: str,
    shard_reviews: int,
    on_shard: Callable[[int], None] = lambda n: None,
    stop_after_shards: int | None = None,
    root: str | None = None,
) -> int:
    """The same shards scored one after another in this process with a model object (no task runner): what the
    nightly flow does, without a task runner. Shard files go under `root` (default: a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="reviewlens-shards-") as scratch:
        return score_in_shards(
            con, model.version, shard_reviews, root or scratch,
            lambda shard: Finished(score_shard_files(shard, model, run_id)),
            in_flight=1, on_shard=on_shard, stop_after_shards=stop_after_shards)


def count_unscored(con: duckdb.DuckDBPyConnection, model_version: str) -> int:
    """How many reviews the model has not scored yet, or scored when the body was different (edited since)."""
    return con.execute("SELECT count(*) FROM reviews_to_score($model_version)", {"model_version": model_version}).fetchone()[0]


def insight_tables() -> list[str]:
    """The insight tables, in the order they are rebuilt."""
    return [fills(name) for name in insight_files()]


def query_table(db_path: Path, query: str, timeout: float = DEFAULT_TIMEOUT_S,
                memory_limit: str = DEFAULT_MEMORY_LIMIT) -> pa.Table:
    """The whole result of an analyst query as an Arrow table (`reviewlens sql` streams it)."""
    with batches(db_path, query, timeout, memory_limit) as reader:
        return reader.read_all()
