"""Ingest throughput and peak memory on 1,000,000 generated reviews, as CSV and as Parquet, into an empty store and
(a second file of new ids) into a store already holding the first: each run split by stage (reading the file,
validating and deduplicating, writing and committing, from ingest_file's own steps).

Prints a table and writes <home>/bench/bench_ingest.json. Each run is a fresh child process so its peak RSS is
its own; the baseline is DuckDB reading the same file into a table with no validation (the floor our SQL pipeline
is measured against, same process, same file). Settings come from the environment as for `reviewlens ingest`
(e.g. REVIEWLENS_DB_MEMORY_LIMIT).

    python tests/benchmarks/bench_ingest.py [--rows 1000000] [--home var]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import peak_rss_mb  # noqa: E402

WORDS = "fit fabric soft small large zipper colour love great poor cheap return size dress quality".split()


def generate(rows: int, folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    words = np.array(WORDS)
    bodies = [" ".join(words[rng.integers(0, len(WORDS), 20)]) for _ in range(rows)]
    frame = pd.DataFrame({
        "review_id": [f"b{i}" for i in range(rows)],
        "product_id": [f"p{i % 5000}" for i in range(rows)],
        "category": rng.choice(["Dresses", "Knits", "Blouses"], rows),
        "rating": rng.integers(1, 6, rows),
        "title": None,
        "body": bodies,
        "created_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 120, rows), unit="s"),
    })
    paths = {"csv": folder / "reviews.csv", "parquet": folder / "reviews.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"], index=False)
    frame["review_id"] = "n" + frame["review_id"]                  # the second file: as many new reviews
    frame.to_csv(folder / "second.csv", index=False)
    frame.to_parquet(folder / "second.parquet", index=False)
    return paths


def child(path: str, fmt: str, scenario: str) -> None:
    import duckdb
    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.store.connection import connect

    folder = Path(tempfile.mkdtemp())
    con = connect(folder / "bench.duckdb")
    if scenario == "into a full store":                           # the first file is in the store already
        ingest_file(con, Path(path), fmt=fmt)
        path = str(Path(path).with_stem("second"))
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    summary = ingest_file(con, Path(path), fmt=fmt, step=lambda stage: marks.append((stage, time.perf_counter())))
    seconds = time.perf_counter() - started
    ends = [t for _, t in marks[1:]] + [started + seconds]
    stages = {stage: end - t for (stage, t), end in zip(marks, ends)}
    peak_mb = peak_rss_mb()                                         # ours, before the baseline reads the file again
    base = duckdb.connect(str(folder / "baseline.duckdb"))
    reader = "read_csv(?, header = true)" if fmt == "csv" else "read_parquet(?)"
    t0 = time.perf_counter()
    base.execute(f"CREATE TABLE t AS SELECT * FROM {reader}", [path])
    baseline = time.perf_counter() - t0
    print(json.dumps({"format": fmt, "scenario": scenario, "rows": summary.inserted, "seconds": seconds,
                      "rows_per_s": summary.inserted / seconds, "stages": stages, "baseline_seconds": baseline,
                      "ratio_vs_plain_read": seconds / baseline, "peak_rss_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--home", default="var", help="workspace whose bench/ folder gets the JSON")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    folder = Path(tempfile.mkdtemp())
    paths = generate(args.rows, folder)
    results = []
    for scenario in ("empty store", "into a full store"):
        for fmt, path in paths.items():
            out = subprocess.run([sys.executable, __file__, "--child", str(path), fmt, scenario],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(out.stderr[-3000:])
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'format':8} {'into':18} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'reading s':>9} {'validating s':>12} "
          f"{'writing s':>9} {'vs plain read':>13} {'peak RSS MB':>11}")
    for r in results:
        into = "empty store" if r["scenario"] == "empty store" else f"store of {r['rows']:,}"
        s = r["stages"]
        print(f"{r['format']:8} {into:18} {r['rows']:>9,} {r['seconds']:>8.2f} {r['rows_per_s']:>9,.0f} {s['reading']:>9.2f} "
              f"{s['validating']:>12.2f} {s['writing']:>9.2f} {r['ratio_vs_plain_read']:>12.1f}x {r['peak_rss_mb']:>11.0f}")
    target = Path(args.home) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_ingest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
