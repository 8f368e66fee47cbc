"""A night at scale: `--new` new reviews (100,000 by default) scored by the active model through the real nightly
flow, on a store already holding `--stores` scored reviews (100,000 and 1,000,000): is the night's peak memory the
same whatever the store holds (target < 1.5 GB, within 10%), and how long does each stage take?

The stores are the source workspace's reviews with their real scores, aspects and words, replicated under new ids
(tests/benchmarks/bench_rebuild.build_scored_store, kept under --work for reruns); the new reviews are further
copies with no scores. Each store size runs in its own child process (its own peak RSS), sampled every 50 ms with
psutil, so each stage has its own peak. Settings come from the environment as for `reviewlens run`, e.g.
REVIEWLENS_DB_MEMORY_LIMIT=19GB to see DuckDB's own default (80% of this machine's RAM).
Prints a table and writes <home>/bench/bench_nightly.json.

    python tests/benchmarks/bench_nightly.py --source /tmp/exp/demo [--stores 100000 1000000] [--new 100000]
    (--source: a workspace after `reviewlens demo`, with an active model; it is attached read-only)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rebuild import PRODUCT_SPREAD, build_scored_store, last_review_day  # noqa: E402
from peak_memory import peak_rss_mb  # noqa: E402

# the flow's steps, timed by wrapping the functions its tasks call (name in flows/nightly/flow.py -> stage)
STAGES = {"score_in_shards": "score", "index_terms": "terms", "rebuild_insights": "insight SQL",
          "discover_topics": "topic discovery", "write_run_report": "report", "write_history": "report"}


def add_new_reviews(source_home: Path, db_path: Path, new: int) -> None:
    """`new` more copies of the source's reviews (ids '-n<k>'), unscored; the model's path made absolute."""
    from reviewlens.flows.store.connection import connect
    con = connect(db_path)
    con.execute(f"ATTACH '{source_home / 'reviewlens.duckdb'}' AS src (READ_ONLY)")
    n = con.execute("SELECT count(*) FROM src.reviews").fetchone()[0]
    con.execute("INSERT INTO reviews BY NAME SELECT r.* REPLACE (r.review_id || '-n' || k AS review_id, "
                f"r.product_id || '-' || (k % {PRODUCT_SPREAD}) AS product_id) "
                "FROM src.reviews r, range(?) t(k) ORDER BY k, r.review_id LIMIT ?", [-(-new // n), new])
    path = Path(con.execute("SELECT path FROM model_registry WHERE active").fetchone()[0])
    if not path.is_absolute():                       # relative to the source workspace's models folder
        con.execute("UPDATE model_registry SET path = ? WHERE active", [str((source_home / "models" / path.name).resolve())])
    con.execute("DETACH src")
    con.close()


class RssSampler(threading.Thread):
    """This process's resident memory every `every` seconds, with the stage running at the time."""

    def __init__(self, every: float = 0.05) -> None:
        import psutil
        super().__init__(daemon=True)
        self.process, self.every, self.stage, self.peaks = psutil.Process(), every, "setup", {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = self.process.memory_info().rss / 2**20
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), rss)
            time.sleep(self.every)


def timed_stages(sampler: RssSampler, seconds: dict[str, float]) -> None:
    """Wrap the flow's step functions so each records its wall time and tells the sampler which stage runs."""
    import reviewlens.flows.nightly.flow as flow_module

    def wrap(fn, stage):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            outer, sampler.stage = sampler.stage, stage
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started
                sampler.stage = f"after {stage}" if outer == "flow" else outer
        return timed

    for name, stage in STAGES.items():               # a step renamed in the flow must be renamed here: no silent gap
        setattr(flow_module, name, wrap(getattr(flow_module, name), stage))


def child(source_home: str, work: str, store_rows: int, new: int, run_date: str) -> None:
    from reviewlens.flows.config import load_settings
    from reviewlens.flows.nightly.flow import nightly
    built = Path(work) / f"scored-{store_rows}.duckdb"
    build_scored_store(Path(source_home), built, store_rows)
    home = Path(tempfile.mkdtemp(prefix="bench-nightly-"))
    shutil.copyfile(built, home / "reviewlens.duckdb")
    add_new_reviews(Path(source_home), home / "reviewlens.duckdb", new)
    sampler, seconds = RssSampler(), {}
    timed_stages(sampler, seconds)
    sampler.start()
    sampler.stage = "flow"
    started = time.perf_counter()
    summary = nightly(date.fromisoformat(run_date), str(home))
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    settings = load_settings()
    print(json.dumps({"store": store_rows, "new": new, "wall_s": wall, "stages": seconds, "scored": summary.scored,
                      "reviews_per_s": summary.scored / max(seconds.get("score", 0.0), 1e-9),
                      "peak_rss_mb": peak_rss_mb(),
                      "stage_peak_rss_mb": sampler.peaks, "db_memory_limit": settings.db_memory_limit,
                      "db_threads": settings.db_threads}))
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="var", help="a workspace after `reviewlens demo` (read-only)")
    parser.add_argument("--stores", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--work", default="/tmp/reviewlens-bench-rebuild", help="where the built stores are kept")
    parser.add_argument("--home", default="var", help="workspace whose bench/ folder gets the JSON")
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        source, work, rows, new, run_date = args.child
        return child(source, work, int(rows), int(new), run_date)
    source = Path(args.source).resolve()
    run_date = last_review_day(source)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    runs = []
    for rows in args.stores:
        out = subprocess.run([sys.executable, __file__, "--child", str(source), args.work, str(rows), str(args.new), run_date],
                             capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print("run:", json.dumps(runs[-1]), flush=True)
    stages = ["score", "terms", "insight SQL", "topic discovery", "report"]
    print(f"{'store':>10} {'new':>8} {'wall s':>7} " + " ".join(f"{s + ' s':>17}" for s in stages)
          + f" {'non-scoring s':>13} {'reviews/s':>9} {'peak RSS MB':>11}")
    for r in runs:
        other = r["wall_s"] - r["stages"].get("score", 0.0)
        print(f"{r['store']:>10,} {r['new']:>8,} {r['wall_s']:>7.1f} " + " ".join(f"{r['stages'].get(s, 0.0):>17.1f}" for s in stages)
              + f" {other:>13.1f} {r['reviews_per_s']:>9,.0f} {r['peak_rss_mb']:>11,.0f}")
    print("peak RSS MB by stage:")
    for r in runs:
        print(f"{r['store']:>10,} " + ", ".join(f"{k} {v:,.0f}" for k, v in r["stage_peak_rss_mb"].items()))
    result = {"run_date": run_date, "runs": runs}
    if len(runs) >= 2:
        result["peak_rss_ratio"] = runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        print(f"peak RSS with {runs[-1]['store']:,} vs {runs[0]['store']:,} reviews in the store: "
              f"{result['peak_rss_ratio']:.2f}x (target within 1.10x, and < 1,536 MB)")
    target = Path(args.home) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_nightly.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
