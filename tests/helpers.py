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


SCORING_WORDS = "the fabric is lovely but it runs small colour fades after one wash 质量很好 物流太慢 非常满意 尺码偏小".split()


def trained_looking_parts(max_len: int = 40, every_topic: bool = False):
    """A small classifier with random, far-from-uniform heads, its tokenizer and the shipped taxonomy: for tests of how
    scoring runs (batching, precision, clauses), not of what a trained model says. `every_topic`: thresholds at 0, so
    every clause names every topic and has aspects."""
    import torch

    from reviewlens.models.classifier import ReviewClassifier
    from reviewlens.models.encoder import EncoderConfig
    from reviewlens.models.taxonomy import load_taxonomy
    from reviewlens.models.tokenizer import train_tokenizer

    taxonomy = load_taxonomy()
    tokenizer = train_tokenizer([" ".join(SCORING_WORDS)] * 20, vocab_size=150, min_frequency=1)
    cfg = EncoderConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=max_len,
                        ngram_buckets=997, dropout=0.0)
    torch.manual_seed(0)
    classifier = ReviewClassifier(cfg, len(taxonomy.ids), wide_buckets=1009).eval()
    with torch.no_grad():
        torch.nn.init.normal_(classifier.wide.weight)
        torch.nn.init.normal_(classifier.sentiment.weight, std=0.5)
        torch.nn.init.normal_(classifier.topics.weight, std=0.5)
        if every_topic:
            classifier.topic_threshold.fill_(0.0)
    return classifier, tokenizer, taxonomy
