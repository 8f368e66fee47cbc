"""Nightly-run scale: 100k and 200k new reviews (the demo corpus replicated under new ids) scored by a trained
model through the real nightly flow, and the insight rebuild over 1,000,000 scored reviews.

Each size runs in its own child process (its own peak RSS). The 200k run is reported as a ratio of the
100k run (target <= 2.1x: linear). Prints a table and writes var/bench/bench_nightly.json.

    python tests/benchmarks/bench_nightly.py --home var [--sizes 100000 200000] [--insight-rows 1000000]
    (--home: a workspace with demo data and an active model, e.g. after `make demo`)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RUN = date.today()


def build_store(source_home: Path, home: Path, rows: int) -> None:
    """A fresh store holding `rows` reviews copied from the source (new ids) and its active model."""
    import duckdb
    from reviewlens.flows.store.connection import connect
    con = connect(home / "reviewlens.duckdb")
    src = str(source_home / "reviewlens.duckdb")
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    n = con.execute("SELECT count(*) FROM src.reviews").fetchone()[0]
    copies = -(-rows // n)
    con.execute("INSERT INTO reviews SELECT r.* REPLACE (r.review_id || '-r' || k AS review_id) "
                "FROM src.reviews r, range(?) t(k) LIMIT ?", [copies, rows])
    con.execute("INSERT INTO model_registry SELECT * FROM src.model_registry WHERE active")
    path = Path(con.execute("SELECT path FROM model_registry").fetchone()[0])
    if not path.is_absolute():                       # relative to the source workspace's models folder
        con.execute("UPDATE model_registry SET path = ?", [str((source_home / "models" / path.name).resolve())])
    con.execute("DETACH src")
    con.close()


def child_nightly(source_home: str, rows: int) -> None:
    from reviewlens.flows.nightly.flow import nightly
    home = Path(tempfile.mkdtemp())
    build_store(Path(source_home), home, rows)
    started = time.perf_counter()
    summary = nightly(RUN, str(home))
    wall = time.perf_counter() - started
    print(json.dumps({"rows": rows, "wall_s": wall, "stages": summary.durations, "scored": summary.scored,
                      "reviews_per_s": summary.scored / summary.durations["score"],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def child_insights(source_home: str, rows: int) -> None:
    """Scores are synthesised in SQL (model output is not what this measures); then one timed rebuild."""
    from reviewlens.flows.config import Settings
    from reviewlens.flows.nightly.insights import rebuild_insights
    from reviewlens.flows.store.connection import connect
    home = Path(tempfile.mkdtemp())
    build_store(Path(source_home), home, rows)
    con = connect(home / "reviewlens.duckdb")
    version = con.execute("SELECT model_version FROM model_registry WHERE active").fetchone()[0]
    con.execute(
        "INSERT INTO review_scores SELECT review_id, ?, s, (s = 'negative')::INT * 0.8 + 0.1, 0.1, (s = 'positive')::INT * 0.8, "
        "0.0, CASE WHEN hash(review_id) % 3 = 0 THEN ['size_fit'] WHEN hash(review_id) % 3 = 1 THEN ['quality', 'material'] ELSE [] END, "
        "MAP {}, 'bench', now(), md5(body) FROM (SELECT review_id, body, ['negative', 'neutral', 'positive', 'positive'][1 + (hash(review_id) % 4)::BIGINT] AS s FROM reviews)",
        [version])
    con.execute(
        "INSERT INTO review_aspects SELECT review_id, ?, 0, 0, 10, 'size_fit', s, 0.5 FROM "
        "(SELECT review_id, ['negative', 'positive'][1 + (hash(review_id) % 2)::BIGINT] AS s FROM reviews WHERE hash(review_id) % 3 = 0)",
        [version])
    started = time.perf_counter()
    counts = rebuild_insights(con, Settings(home=home), RUN)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "insight_rebuild_s": seconds, "tables": counts,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", default="var")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000])
    parser.add_argument("--insight-rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        kind, home, rows = args.child
        return (child_nightly if kind == "nightly" else child_insights)(home, int(rows))
    home = str(Path(args.home).resolve())
    insights = run_child("--child", "insights", home, str(args.insight_rows)) if args.insight_rows else None
    print("insights:", json.dumps(insights), flush=True)
    runs = []
    for n in args.sizes:
        runs.append(run_child("--child", "nightly", home, str(n)))
        print("run:", json.dumps(runs[-1]), flush=True)
    print(f"{'reviews':>8} {'wall s':>7} {'score s':>8} {'insights s':>10} {'report s':>8} {'reviews/s':>9} {'peak RSS MB':>11}")
    for r in runs:
        s = r["stages"]
        print(f"{r['rows']:>8,} {r['wall_s']:>7.1f} {s['score']:>8.1f} {s['insights']:>10.1f} {s['report']:>8.1f} "
              f"{r['reviews_per_s']:>9,.0f} {r['peak_rss_mb']:>11,.0f}")
    result = {"runs": runs, "insights": insights}
    if len(runs) >= 2:
        result["ratio_200k_vs_100k"] = runs[1]["wall_s"] / runs[0]["wall_s"]
        print(f"wall-time ratio {runs[1]['rows']:,} vs {runs[0]['rows']:,}: {result['ratio_200k_vs_100k']:.2f}x (target <= 2.1x)")
    if insights:
        print(f"insight rebuild over {insights['rows']:,} scored reviews: {insights['insight_rebuild_s']:.1f} s (target < 30 s), "
              f"peak RSS {insights['peak_rss_mb']:,.0f} MB")
    target = Path("var/bench")
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_nightly.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
