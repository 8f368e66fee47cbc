"""A night at scale: `--new` new reviews (100,000 by default) scored by the active model through the real nightly
flow, on a store already holding `--stores` scored reviews (100,000 and 1,000,000): is the night's peak memory the
same whatever the store holds (target < 1.5 GB, within 10%), and how long does each stage take?

The stores are the source workspace's reviews with their real scores, aspects and words, replicated under new ids
(tests/benchmarks/bench_rebuild.build_scored_store, kept under --work for reruns); the new reviews are further
copies with no scores. Each store size runs once per `--allocators` entry (the `allocator` setting, flows/allocator.py,
optionally with a `score_batch_tokens` after a colon; default: 'glibc:16384', the defaults before 'bounded', then
'bounded' with today's batches), each in its own child
process (its own peak RSS) on the same built store, so a night's memory and time are compared with the old default's
in one run of the script: the first mode is the baseline of the ratios. The stores are built first, in a process of
their own, so building is in no run's peak. RSS is sampled every 50 ms with psutil, so each stage has its own
peak, for the run's process and for its whole process tree (the same unless a child process scores: a local Dask
cluster, `REVIEWLENS_WORKERS=2`). Other settings come from the environment as for `reviewlens run`, e.g.
REVIEWLENS_DB_MEMORY_LIMIT=19GB to see DuckDB's own default (80% of this machine's RAM).
Prints a table and writes <home>/bench/bench_nightly.json.

    python tests/benchmarks/bench_nightly.py --source /tmp/exp/demo [--stores 100000 1000000] [--new 100000]
        [--allocators glibc:16384 bounded]
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
    """Resident memory every `every` seconds, with the stage running at the time: this process's (`peaks`) and its
    process tree's (`tree_peaks`: this process and every descendant, e.g. the Dask workers that score)."""

    def __init__(self, every: float = 0.05) -> None:
        import psutil
        super().__init__(daemon=True)
        self.process, self.every, self.stage, self.peaks, self.tree_peaks = psutil.Process(), every, "setup", {}, {}
        self.done = threading.Event()

    def tree_rss(self, own: int) -> int:
        import psutil
        total = own
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:                     # ended since listed
                pass
        return total

    def run(self) -> None:
        while not self.done.is_set():
            own = self.process.memory_info().rss
            for peaks, rss in ((self.peaks, own), (self.tree_peaks, self.tree_rss(own))):
                peaks[self.stage] = max(peaks.get(self.stage, 0.0), rss / 2**20)
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


def built_store(work: str, store_rows: int) -> Path:
    return Path(work) / f"scored-{store_rows}.duckdb"


def child(source_home: str, work: str, store_rows: int, new: int, run_date: str) -> None:
    from reviewlens.flows.config import load_settings
    from reviewlens.flows.nightly.flow import nightly
    from reviewlens.flows.scoring.options import ScoringProfile
    built = built_store(work, store_rows)
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
    profile = ScoringProfile.from_settings(settings)
    print(json.dumps({"store": store_rows, "new": new, "allocator": os.environ.get("BENCH_LABEL", profile.allocator),
                      "batch_tokens": profile.options.batch_tokens, "wall_s": wall,
                      "stages": seconds, "scored": summary.scored,
                      "reviews_per_s": summary.scored / max(seconds.get("score", 0.0), 1e-9),
                      "peak_rss_mb": peak_rss_mb(), "tree_peak_rss_mb": max(sampler.tree_peaks.values()),
                      "stage_peak_rss_mb": sampler.peaks, "db_memory_limit": settings.db_memory_limit,
                      "db_threads": settings.db_threads}))
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="var", help="a workspace after `reviewlens demo` (read-only)")
    parser.add_argument("--stores", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--allocators", nargs="+", default=["glibc:16384", "bounded"],
                        help="`allocator` settings to run on each store, each optionally with a `score_batch_tokens` and "
                             "a `shard_reviews` (MODE[:TOKENS[:SHARD]]); the first is the ratios' baseline (default: the defaults before 'bounded')")
    parser.add_argument("--work", default="/tmp/reviewlens-bench-rebuild", help="where the built stores are kept")
    parser.add_argument("--home", default="var", help="workspace whose bench/ folder gets the JSON")
    parser.add_argument("--child", nargs=5)
    parser.add_argument("--build", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        source, work, rows = args.build
        return build_scored_store(Path(source), built_store(work, int(rows)), int(rows))
    if args.child:
        source, work, rows, new, run_date = args.child
        return child(source, work, int(rows), int(new), run_date)
    source = Path(args.source).resolve()
    run_date = last_review_day(source)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for rows in args.stores:
        subprocess.run([sys.executable, __file__, "--build", str(source), args.work, str(rows)], check=True, env=env)
    runs = []
    for rows in args.stores:
        for allocator in args.allocators:
            mode, *sizes = allocator.split(":")
            settings = {"REVIEWLENS_ALLOCATOR": mode, "BENCH_LABEL": allocator}
            for name, size in zip(("REVIEWLENS_SCORE_BATCH_TOKENS", "REVIEWLENS_SHARD_REVIEWS"), sizes):
                settings[name] = size
            out = subprocess.run([sys.executable, __file__, "--child", str(source), args.work, str(rows), str(args.new),
                                  run_date], capture_output=True, text=True, env={**env, **settings})
            if out.returncode != 0:
                raise SystemExit(out.stderr[-3000:])
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print("run:", json.dumps(runs[-1]), flush=True)
    result = {"run_date": run_date, "allocators": args.allocators, "runs": runs, "ratios": report(runs, args.allocators)}
    target = Path(args.home) / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_nightly.json").write_text(json.dumps(result, indent=2, default=str))


def report(runs: list[dict], allocators: list[str]) -> list[dict]:
    """Print the runs as a table, then each mode against the first on the same store; returns those ratios."""
    stages = ["score", "terms", "insight SQL", "topic discovery", "report"]
    print(f"{'store':>10} {'new':>8} {'allocator':>13} {'wall s':>7} " + " ".join(f"{s + ' s':>17}" for s in stages)
          + f" {'non-scoring s':>13} {'reviews/s':>9} {'peak RSS MB':>11} {'tree MB':>8}")
    for r in runs:
        other = r["wall_s"] - r["stages"].get("score", 0.0)
        print(f"{r['store']:>10,} {r['new']:>8,} {r['allocator']:>13} {r['wall_s']:>7.1f} "
              + " ".join(f"{r['stages'].get(s, 0.0):>17.1f}" for s in stages)
              + f" {other:>13.1f} {r['reviews_per_s']:>9,.0f} {r['peak_rss_mb']:>11,.0f} {r['tree_peak_rss_mb']:>8,.0f}")
    print("peak RSS MB by stage:")
    for r in runs:
        print(f"{r['store']:>10,} {r['allocator']:>13} " + ", ".join(f"{k} {v:,.0f}" for k, v in r["stage_peak_rss_mb"].items()))
    ratios = []
    for base in (r for r in runs if r["allocator"] == allocators[0]):
        for r in (r for r in runs if r["store"] == base["store"] and r is not base):
            ratios.append({"store": r["store"], "allocator": r["allocator"], "baseline": base["allocator"],
                           **{key: r[key] / base[key] for key in ("peak_rss_mb", "tree_peak_rss_mb", "wall_s", "reviews_per_s")}})
            x = ratios[-1]
            print(f"{r['store']:>10,} {r['allocator']} / {base['allocator']}: peak RSS {x['peak_rss_mb']:.2f}x "
                  f"({r['peak_rss_mb']:,.0f} MB, target < 1,536), process tree {x['tree_peak_rss_mb']:.2f}x, "
                  f"wall time {x['wall_s']:.2f}x (target <= 1.10x), scoring reviews/s {x['reviews_per_s']:.2f}x")
    for allocator in allocators:
        flat = [r for r in runs if r["allocator"] == allocator]
        if len(flat) >= 2:
            print(f"{allocator}: peak RSS with {flat[-1]['store']:,} vs {flat[0]['store']:,} reviews in the store: "
                  f"{flat[-1]['peak_rss_mb'] / flat[0]['peak_rss_mb']:.2f}x (target within 1.10x)")
    return ratios


if __name__ == "__main__":
    main()
