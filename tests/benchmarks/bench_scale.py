"""Scaling out: `--reviews` unscored reviews (100,000 by default) scored by the source workspace's active model through
the nightly flow's scoring step (`score_new_reviews`: shards exported from DuckDB, scored by `score_shard` tasks,
loaded one transaction each), on each task runner:

- streamed: the pre-shard path, kept here as the baseline (pages of `shard_reviews` read from DuckDB, scored and
  inserted in this process; no Parquet, no task runner);
- in-process: the default runner (one scoring thread in the flow's process, torch on every core);
- 1 worker: a Dask LocalCluster of one worker process with 1 torch thread (one core: the per-core figure);
- 2 workers: a Dask LocalCluster of two worker processes with 1 torch thread each (two cores).

Each runs in its own child process on its own copy of one store (the source's reviews replicated under new ids, as
bench_nightly.py does; built once under --work), with the demo model and the same settings. The clusters' time
includes starting the workers and loading the model in each. Efficiency = 2-worker rate / (2 x 1-worker rate).
Prints a table and writes <home>/bench/bench_scale.json.

    python tests/benchmarks/bench_scale.py --source /tmp/exp/demo [--reviews 100000] [--runs streamed in-process 1 2]
        [--repeat 3]
    (--source: a workspace after `reviewlens demo`, with an active model; it is attached read-only)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from prefect import flow

from reviewlens.flows.config import Settings, load_settings
import reviewlens.flows.nightly.flow as nightly_flow
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.store.connection import connect
from reviewlens.flows.store.registry import require_active

RUNS = ("streamed", "in-process", "1", "2")
LABELS = {"streamed": "streamed (before shards)", "in-process": "in-process (default)", "1": "Dask, 1 worker x 1 thread",
          "2": "Dask, 2 workers x 1 thread"}
CORES = {"streamed": os.cpu_count(), "in-process": os.cpu_count(), "1": 1, "2": 2}

# the pre-shard scoring loop's page query (sql/scoring/next_unscored.sql until sharding replaced it)
STREAMED_PAGE = """
SELECT r.review_id, r.body, md5(r.body) AS text_hash
FROM reviews r
WHERE r.review_id > $after
  AND NOT EXISTS (SELECT 1 FROM review_scores s
                  WHERE s.review_id = r.review_id AND s.model_version = $model_version AND s.text_hash = md5(r.body))
ORDER BY r.review_id
LIMIT $limit"""


def build_store(source: Path, db_path: Path, reviews: int) -> None:
    """An empty store with the source's active model and `reviews` copies of its reviews (ids '<id>-s<k>')."""
    con = connect(db_path)
    con.execute(f"ATTACH '{source / 'reviewlens.duckdb'}' AS src (READ_ONLY)")
    con.execute("INSERT INTO model_registry BY NAME SELECT * FROM src.model_registry WHERE active")
    path = Path(con.execute("SELECT path FROM model_registry WHERE active").fetchone()[0])
    if not path.is_absolute():                       # relative to the source workspace's models folder
        con.execute("UPDATE model_registry SET path = ? WHERE active", [str((source / "models" / path.name).resolve())])
    n = con.execute("SELECT count(*) FROM src.reviews").fetchone()[0]
    con.execute("INSERT INTO reviews BY NAME SELECT r.* REPLACE (r.review_id || '-s' || k AS review_id) "
                "FROM src.reviews r, range(?) t(k) ORDER BY k, r.review_id LIMIT ?", [-(-reviews // n), reviews])
    con.execute("DETACH src")
    con.close()


def streamed(con, model, settings) -> int:
    """The pre-shard path: keyset pages read, scored and inserted in this process, one transaction each."""
    from reviewlens.flows.scoring.tables import score_tables
    from reviewlens.flows.store.connection import transaction

    after, done = "", 0
    while True:
        page = con.execute(STREAMED_PAGE, {"model_version": model.version, "after": after,
                                           "limit": settings.shard_reviews}).fetchall()
        if not page:
            return done
        ids, texts, hashes = [r[0] for r in page], [r[1] for r in page], [r[2] for r in page]
        scores, aspects = score_tables(ids, model.score(texts, embeddings=False),
                                       model.version, "bench", hashes)
        with transaction(con):
            con.register("batch_scores", scores)
            con.register("batch_aspects", aspects)
            con.execute("INSERT INTO review_scores BY NAME SELECT * FROM batch_scores")
            con.execute("INSERT INTO review_aspects BY NAME SELECT * FROM batch_aspects")
        after, done = ids[-1], done + len(ids)


@flow(name="bench-scale")
def scoring(settings: Settings, run: str) -> tuple[int, float]:
    """The nightly flow's scoring step (or the streamed baseline), timed from the model load. The flow's context
    travels to the Dask workers with this function, by value (it is __main__'s): it names the nightly flow's
    module, never its tasks, which would drag their module's console along."""
    con = connect(settings.db_path)
    try:
        started = time.perf_counter()
        version, folder = require_active(con, settings.models_dir)
        model, ref = nightly_flow.load_scoring_model(ScoringProfile.from_settings(settings), folder, version,
                                                     settings.shard_root)
        scored = streamed(con, model, settings) if run == "streamed" else \
            nightly_flow.score_new_reviews(con, ref, "bench", settings)
        return scored, time.perf_counter() - started
    finally:
        con.close()


def child(store: str, run: str) -> None:
    """One configuration on a fresh copy of the store."""
    home = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    shutil.copyfile(store, home / "reviewlens.duckdb")
    dask = {"workers": int(run), "worker_threads": 1} if run.isdigit() else {"workers": 0}
    settings = replace(load_settings(), home=home, **dask)
    scored, seconds = scoring(settings, run)
    con = connect(settings.db_path, read_only=True)
    rows = con.execute("SELECT count(*), count(DISTINCT review_id) FROM review_scores").fetchone()
    con.close()
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps({"run": run, "scored": scored, "seconds": seconds, "rows": rows[0], "distinct": rows[1],
                      "shard_reviews": settings.shard_reviews, "settings": {k: str(v) for k, v in asdict(settings).items()
                                                                            if k.startswith(("score_", "shard", "worker"))}}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="var", help="a workspace after `reviewlens demo` (read-only)")
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    parser.add_argument("--repeat", type=int, default=1, help="times each runner runs (the median is reported)")
    parser.add_argument("--work", default="/tmp/reviewlens-bench-scale", help="where the built store is kept")
    parser.add_argument("--home", default="var", help="workspace whose bench/ folder gets the JSON")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    source = Path(args.source).resolve()
    store = Path(args.work) / f"unscored-{args.reviews}.duckdb"
    if not store.exists():
        store.parent.mkdir(parents=True, exist_ok=True)
        build_store(source, store.with_suffix(".partial"), args.reviews)
        store.with_suffix(".partial").rename(store)
    results: dict[str, dict] = {}
    for _ in range(args.repeat):                     # interleaved, so a slow minute of the machine hits every runner
        for run in args.runs:
            out = subprocess.run([sys.executable, __file__, "--child", str(store), run], capture_output=True, text=True,
                                 env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if out.returncode != 0:
                raise SystemExit(out.stderr[-3000:])
            measured = json.loads(out.stdout.strip().splitlines()[-1])
            print("run:", json.dumps(measured), flush=True)
            entry = results.setdefault(run, {**measured, "all_seconds": []})
            entry["all_seconds"].append(measured["seconds"])
            entry["rows"], entry["distinct"] = min(entry["rows"], measured["rows"]), min(entry["distinct"], measured["distinct"])
    for run, entry in results.items():
        entry["seconds"] = statistics.median(entry["all_seconds"])
        entry["reviews_per_s"] = entry["scored"] / entry["seconds"]
        entry["cores"] = CORES[run]
        entry["per_core"] = entry["reviews_per_s"] / CORES[run]
    one, two = results.get("1"), results.get("2")
    summary = {"reviews": args.reviews, "cores": os.cpu_count(), "runs": results}
    if one and two:
        summary["speedup_2_vs_1"] = two["reviews_per_s"] / one["reviews_per_s"]
        summary["efficiency"] = summary["speedup_2_vs_1"] / 2
    if "streamed" in results and "in-process" in results:
        summary["in_process_vs_streamed"] = results["in-process"]["reviews_per_s"] / results["streamed"]["reviews_per_s"]
    print(f"\n{args.reviews:,} reviews, {os.cpu_count()} cores, shards of {next(iter(results.values()))['shard_reviews']:,}, "
          f"median of {args.repeat}")
    print(f"{'runner':<28} {'cores':>5} {'seconds':>8} {'reviews/s':>10} {'per core':>9} {'scores = reviews':>17}")
    for run, r in results.items():
        print(f"{LABELS[run]:<28} {r['cores']:>5} {r['seconds']:>8.1f} {r['reviews_per_s']:>10,.0f} {r['per_core']:>9,.0f} "
              f"{str(r['rows'] == r['distinct'] == r['scored'] == args.reviews):>17}")
    if "efficiency" in summary:
        print(f"2 workers vs 1: {summary['speedup_2_vs_1']:.2f}x, parallel efficiency {summary['efficiency']:.0%}")
    if "in_process_vs_streamed" in summary:
        print(f"in-process shards vs the streamed path: {summary['in_process_vs_streamed']:.2f}x")
    target = Path(args.home) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_scale.json").write_text(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
