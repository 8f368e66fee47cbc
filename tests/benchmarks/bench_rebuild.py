"""Insight rebuild at scale: the demo store's reviews, with their real scores, aspects and words, replicated under
new ids to 1,000,000 and 5,000,000 reviews (no model needed), then one timed rebuild per size, file by file.

Each size runs in its own child process (its own peak RSS). The store is built once per size under --work and kept
for reruns. The rebuild is what the nightly flow's publish_insights runs: review terms (nothing pending here, only
the check), every sql/insights/*.sql in one transaction, and the topic-discovery sample query (the embedding and
clustering of a fixed 4,000-review sample does not grow with the store and needs the model; it is left out).
Prints a table and writes <home>/bench/bench_rebuild.json.

    python tests/benchmarks/bench_rebuild.py --source /tmp/exp/demo [--sizes 1000000 5000000] [--work /tmp/rebuild]
    (--source: a workspace after `reviewlens demo`; it is attached read-only)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import peak_rss_mb  # noqa: E402

PRODUCT_SPREAD = 20          # replicas spread over this many copies of each product id (more products, as in a big store)


def build_scored_store(source_home: Path, db_path: Path, rows: int) -> None:
    """A store holding `rows` reviews copied from the source (ids suffixed with the copy number), each with the
    source's scores, aspects and words under the source's active model. Kept if it already exists."""
    from reviewlens.flows.config import Settings
    from reviewlens.flows.store.connection import connect, transaction
    if db_path.exists():
        return
    partial = db_path.with_name(db_path.name + ".partial")
    partial.unlink(missing_ok=True)
    con = connect(partial, settings=Settings(db_memory_limit="8GB"))   # building is not what is measured: the
    con.execute("SET preserve_insertion_order = false")               # primary-key indexes of 5M rows need room
    con.execute(f"ATTACH '{source_home / 'reviewlens.duckdb'}' AS src (READ_ONLY)")
    n = con.execute("SELECT count(*) FROM src.reviews").fetchone()[0]
    copies = -(-rows // n)
    with transaction(con):
        con.execute("CREATE TEMP TABLE copies AS SELECT r.review_id, k FROM src.reviews r, range(?) t(k) "
                    "ORDER BY k, r.review_id LIMIT ?", [copies, rows])
        new_id = "c.review_id || '-r' || c.k"
        con.execute(f"INSERT INTO reviews BY NAME SELECT r.* REPLACE ({new_id} AS review_id, "
                    f"r.product_id || '-' || (c.k % {PRODUCT_SPREAD}) AS product_id) "
                    "FROM src.reviews r JOIN copies c USING (review_id) ORDER BY c.k, r.review_id")
        for table in ("review_scores", "review_aspects", "review_terms"):
            con.execute(f"INSERT INTO {table} BY NAME SELECT t.* REPLACE ({new_id} AS review_id) "
                        f"FROM src.{table} t JOIN copies c USING (review_id)")
        con.execute("INSERT INTO model_registry SELECT * FROM src.model_registry WHERE active")
    con.execute("DETACH src")
    con.execute("CHECKPOINT")
    con.close()
    partial.rename(db_path)


def rebuild_timed(con, settings, run_date: date) -> dict[str, float]:
    """rebuild_insights, file by file: seconds per stage (the same statements, in the same single transaction)."""
    from reviewlens.flows.nightly.insights import SHARED_TABLES, insight_files, insight_params
    from reviewlens.flows.nightly.review_terms import index_terms
    from reviewlens.flows.store.connection import run_script, sql_files, sql_text, transaction
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    index_terms(con, run_date)
    seconds["terms (pending check)"] = time.perf_counter() - t0
    params = insight_params(settings, run_date)
    with transaction(con):
        for name in sql_files("rebuild"):
            t0 = time.perf_counter()
            run_script(con, f"rebuild/{name}", params)
            seconds[f"rebuild/{name}"] = time.perf_counter() - t0
        for name in insight_files():
            t0 = time.perf_counter()
            run_script(con, f"insights/{name}", params)
            seconds[name] = time.perf_counter() - t0
        t0 = time.perf_counter()
        con.execute(sql_text("discovery/untopiced.sql"), {"run_date": run_date, "limit": settings.discovery_sample}).fetchall()
        seconds["discovery/untopiced.sql"] = time.perf_counter() - t0
        for table in SHARED_TABLES:
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return seconds


def last_review_day(source: Path) -> str:
    """The source store's last day with reviews: the night the benchmarks replay."""
    import duckdb
    with duckdb.connect(str(source / "reviewlens.duckdb"), read_only=True) as con:
        return str(con.execute("SELECT max(created_at)::DATE FROM reviews").fetchone()[0])


def child(source_home: str, work: str, rows: int, run_date: str) -> None:
    """One timed rebuild on a copy of the built store (built by an earlier child: its memory is not this one's)."""
    from reviewlens.flows.config import Settings, load_settings
    from reviewlens.flows.store.connection import connect
    db_path = Path(work) / f"scored-{rows}.duckdb"
    copy = db_path.with_name(db_path.stem + "-run.duckdb")             # rebuild a copy: the built store stays as built
    shutil.copyfile(db_path, copy)
    settings = Settings(home=Path(work))
    con = connect(copy)
    started = time.perf_counter()
    stages = rebuild_timed(con, settings, date.fromisoformat(run_date))
    total = time.perf_counter() - started
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
              ("insight_daily", "insight_topics", "insight_products", "topic_examples", "emerging_terms", "alerts")}
    con.close()
    copy.unlink()
    print(json.dumps({"rows": rows, "db_memory_limit": load_settings().db_memory_limit, "rebuild_s": total, "stages": stages, "tables": counts,
                      "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="var", help="a workspace after `reviewlens demo` (read-only)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--work", default="/tmp/reviewlens-bench-rebuild", help="where the built stores are kept")
    parser.add_argument("--home", default="var", help="workspace whose bench/ folder gets the JSON")
    parser.add_argument("--child", nargs=4)
    parser.add_argument("--build", nargs=3)
    args = parser.parse_args()
    if args.build:
        return build_scored_store(Path(args.build[0]), Path(args.build[1]) / f"scored-{args.build[2]}.duckdb", int(args.build[2]))
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]), args.child[3])
    source = Path(args.source).resolve()
    run_date = last_review_day(source)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.sizes:
        subprocess.run([sys.executable, __file__, "--build", str(source), args.work, str(rows)], check=True)
        out = subprocess.run([sys.executable, __file__, "--child", str(source), args.work, str(rows), run_date],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print("size:", json.dumps(results[-1]), flush=True)
    stages = list(results[0]["stages"])
    print(f"{'stage':32}" + "".join(f"{r['rows']:>14,}" for r in results))
    for stage in stages:
        print(f"{stage:32}" + "".join(f"{r['stages'][stage]:>13.2f}s" for r in results))
    print(f"{'rebuild total':32}" + "".join(f"{r['rebuild_s']:>13.2f}s" for r in results))
    print(f"{'peak RSS MB':32}" + "".join(f"{r['peak_rss_mb']:>14,.0f}" for r in results))
    print(f"{'db_memory_limit':32}" + "".join(f"{r['db_memory_limit']:>14}" for r in results))
    if len(results) >= 2:
        growth = results[-1]["rebuild_s"] / results[0]["rebuild_s"]
        print(f"growth {results[-1]['rows']:,} vs {results[0]['rows']:,} reviews: {growth:.2f}x "
              f"for {results[-1]['rows'] / results[0]['rows']:.0f}x the reviews")
    target = Path(args.home) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_rebuild.json").write_text(json.dumps({"run_date": run_date, "sizes": results}, indent=2))


if __name__ == "__main__":
    main()
