"""Scoring shards as files: the flow exports a shard's reviews from DuckDB to Parquet, a worker scores the file
and writes its results as Parquet beside it, the flow loads the results in one transaction.

Workers never open the DuckDB file (it has a single writer): they see only the shard folder, a local path or an
fsspec URL (s3://bucket/prefix, gs://...) every worker can read and write. The folder belongs to one store: the
run holding the store's write connection clears it before scoring, so files a killed run left are never loaded.
Results are written under a temporary name and renamed, so a results file is whole or absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from reviewlens.flows.scoring.tables import embedding_table, score_tables
from reviewlens.flows.store.connection import run_script, sql_text, transaction
from reviewlens.models.inference import ReviewModel

REVIEWS, SCORES, ASPECTS, EMBEDDINGS = "reviews.parquet", "scores.parquet", "aspects.parquet", "embeddings.parquet"


@dataclass(frozen=True)
class ShardPlan:
    """A range of review ids holding `reviews` reviews to score (sql/scoring/plan_shards.sql)."""
    number: int
    first_id: str
    last_id: str
    reviews: int


@dataclass(frozen=True)
class Shard:
    """An exported shard: its folder (path or fsspec URL) holds reviews.parquet, then the worker's results."""
    number: int
    folder: str
    reviews: int
    first_id: str
    last_id: str

    def file(self, name: str) -> str:
        return f"{self.folder.rstrip('/')}/{name}"


def is_remote(root: str) -> bool:
    """Whether the shard root is an fsspec URL other than the local file system."""
    return "://" in root and not root.startswith("file://")


def clear_shards(root: str) -> None:
    """Remove every shard folder under the root: what a killed run left is scored again, never loaded."""
    fs, path = url_to_fs(root)
    for folder in fs.glob(f"{path.rstrip('/')}/shard-*"):
        fs.rm(folder, recursive=True)


def plan_shards(con: duckdb.DuckDBPyConnection, model_version: str, shard_reviews: int) -> list[ShardPlan]:
    """The shards of this run, in review_id order; empty when the model has scored everything."""
    rows = con.execute(sql_text("scoring/plan_shards.sql"),
                       {"model_version": model_version, "shard_reviews": shard_reviews}).fetchall()
    return [ShardPlan(int(n), first, last, int(count)) for n, first, last, count in rows]


def export_shard(con: duckdb.DuckDBPyConnection, plan: ShardPlan, model_version: str, root: str) -> Shard:
    """The plan's reviews (id, body, md5 of the body) as <root>/shard-NNNNNN/reviews.parquet, by DuckDB COPY."""
    fs, _ = url_to_fs(root)
    folder = f"{root.rstrip('/')}/shard-{plan.number:06d}"
    shard = Shard(plan.number, folder, plan.reviews, plan.first_id, plan.last_id)
    target = shard.file(REVIEWS)
    if is_remote(root):                                   # DuckDB writes through the same fsspec file system
        _register(con, fs)
    else:
        fs.makedirs(url_to_fs(folder)[1], exist_ok=True)
        target = url_to_fs(target)[1]
    run_script(con, "scoring/export_shard.sql", {"model_version": model_version, "first_id": plan.first_id,
                                                 "last_id": plan.last_id, "path": target})
    return shard


def score_shard_files(shard: Shard, model: ReviewModel, run_id: str) -> int:
    """Worker side: score the shard's reviews (as the model was loaded to score) and write scores.parquet,
    aspects.parquet and embeddings.parquet (the reviews with no topic, for topic discovery); returns reviews scored."""
    reviews = read_table(shard.file(REVIEWS))
    ids, texts, hashes = (reviews.column(c).to_pylist() for c in ("review_id", "body", "text_hash"))
    results = model.score(texts)
    scores, aspects = score_tables(ids, results, model.version, run_id, hashes)
    write_table(embedding_table(ids, results, model.version), shard.file(EMBEDDINGS))
    write_table(aspects, shard.file(ASPECTS))              # scores last: its presence says the shard is done
    write_table(scores, shard.file(SCORES))
    return len(ids)


def scored_already(shard: Shard) -> int | None:
    """The reviews of a shard whose results are already written, else None. Dask runs a finished task again when
    the worker holding its result dies before the flow collected it; the results on disk make that rerun free."""
    fs, path = url_to_fs(shard.file(SCORES))
    if not fs.exists(path):
        return None
    with fs.open(path, "rb") as fh:
        return pq.read_metadata(fh).num_rows


def load_shard(con: duckdb.DuckDBPyConnection, shard: Shard, model_version: str) -> int:
    """A scored shard into review_scores / review_aspects / review_embeddings, one transaction; loading it twice
    adds nothing."""
    tables = {view: read_table(shard.file(name)) for view, name in
              (("shard_scores", SCORES), ("shard_aspects", ASPECTS), ("shard_embeddings", EMBEDDINGS))}
    with transaction(con):
        for view, table in tables.items():
            con.register(view, table)
        try:
            run_script(con, "scoring/load_shard.sql",
                       {"model_version": model_version, "first_id": shard.first_id, "last_id": shard.last_id})
        finally:
            for view in tables:
                con.unregister(view)
    return tables["shard_scores"].num_rows


def remove_shard(shard: Shard) -> None:
    """The shard's folder, once its results are in the store."""
    fs, path = url_to_fs(shard.folder)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def _register(con: duckdb.DuckDBPyConnection, fs: fsspec.AbstractFileSystem) -> None:
    protocols = [fs.protocol] if isinstance(fs.protocol, str) else list(fs.protocol)
    if not any(con.filesystem_is_registered(p) for p in protocols):
        con.register_filesystem(fs)


def read_table(url: str) -> pa.Table:
    fs, path = url_to_fs(url)
    with fs.open(path, "rb") as fh:
        return pq.read_table(fh)


def write_table(table: pa.Table, url: str) -> None:
    """Write under a temporary name, then rename: a reader finds the whole file or none."""
    fs, path = url_to_fs(url)
    with fs.open(path + ".partial", "wb") as fh:
        pq.write_table(table, fh)
    fs.mv(path + ".partial", path)


def publish_model(folder: Path, version: str, root: str) -> str:
    """Where workers load the model from: the folder itself when the root is local (every local worker reads it);
    for a remote root, a copy under <root>/models/<version>, uploaded once per version."""
    if not is_remote(root):
        return str(folder.resolve())
    fs, path = url_to_fs(f"{root.rstrip('/')}/models/{version}")
    if not fs.exists(f"{path}/manifest.json"):
        fs.put(str(folder) + "/", path, recursive=True)
    return f"{root.rstrip('/')}/models/{version}"
