"""Crash test: SIGKILL `reviewlens ingest` and `reviewlens run` at seeded random moments on a demo-size store, and
fill the disk under an ingest and under a report write; after each, check what README promises after a crash.

    nice -n 10 .venv/bin/python tests/benchmarks/crash_test.py --home /tmp/reviewlens-crash [--moments 30] [--seed 0]

Setup, once per home and kept for reruns: `reviewlens demo-data`, `reviewlens train --preset tiny --activate` and
one complete night (RUN_DATE). Then, on copies of that store:
- ingest moments: `reviewlens ingest crash_A.csv crash_B.jsonl` (new reviews, invalid rows mixed in) killed mid-file;
- run moments: after crash_C.parquet brought new reviews, `reviewlens run` for the next night killed mid-scoring
  (one commit per shard of REVIEWLENS_SHARD_REVIEWS reviews) or mid-rebuild (review terms; the insight tables and topic
  discovery, one transaction; the pages);
- reader moments (--readers, not kills): a live `reviewlens sql` query holds the store as that run starts, another
  reads the analysts' snapshot; the run must wait, complete and leave the uninterrupted run's tables.
After each kill: the store opens; `reviews` holds the valid rows of exactly the files whose ingest finished; no review
has two scores (or two aspect rows for one clause and topic) for one model; the insight tables (topic candidates
included) equal the previous night's or those of an uninterrupted run of this night, never a mix; no half-written
page. Then the same command runs again and must complete and leave every table equal to what the uninterrupted
command left (model outputs to 1e-5: a resumed run scores in other batches). Last, a full disk (a small tmpfs;
without `mount`, an ENOSPC injected into the page write) during an ingest and a report write: one sentence, exit 2,
nothing half-written. Prints a table; writes <home>/bench/crash_test.json.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))      # the repository, for tests.processes
from tests.processes import ENOSPC_ON_FIRST_PAGE  # noqa: E402

RUN_DATE = date(2026, 11, 28)                  # the night set up once; the crashed runs are for the night after
NEXT_NIGHT = RUN_DATE + timedelta(days=1)
COMMIT_REVIEWS = 256                           # scoring shard (= transaction) size in the crashed runs: many commits to cut
NEW_REVIEWS = 4_000                            # reviews crash_C brings for the crashed night to score
INGEST_ROWS = {"A": 150_000, "B": 60_000}      # rows of the crashed ingest files (with the invalid ones)
VOLATILE = {"reviews": ["ingested_at"], "reviews_rejected": ["rejected_at"], "review_scores": ["run_id", "scored_at"]}
TOLERANCE = 1e-5
CLI = [sys.executable, "-m", "reviewlens.flows.cli"]
# the nightly flow's tasks, in order (flows/nightly/flow.py)
RUN_TASKS = ("start_run", "score_new_reviews", "index_review_terms", "publish_insights", "publish_dashboard", "finish_run")


# --- processes -------------------------------------------------------------------------------------------------

class Child:
    """A reviewlens command in its own process group, its output lines timestamped as they arrive."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.args = args
        self.started = time.monotonic()
        self.proc = subprocess.Popen(CLI + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[tuple[float, str]] = []
        self.killed_at: float | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait_for(self, pattern: str, timeout: float = 900) -> float | None:
        """Seconds since start at which a line matching pattern appeared; None if the process ended first."""
        regex, seen = re.compile(pattern), 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.lines[seen:]:
                if regex.search(line):
                    return at
            seen = len(self.lines)
            if self.proc.poll() is not None and not self.reader.is_alive() and seen == len(self.lines):
                return None
            time.sleep(0.01)
        return None

    def wait_open(self, path: Path, timeout: float = 900) -> float | None:
        """Seconds since start at which the process first held `path` open (read from /proc); None if it ended first."""
        target, fds = str(path.resolve()), Path(f"/proc/{self.proc.pid}/fd")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                for fd in os.listdir(fds):
                    try:
                        if os.readlink(fds / fd) == target:
                            return self.elapsed()
                    except OSError:
                        continue
            except OSError:
                return None
            time.sleep(0.002)
        return None

    def wait_growth(self, path: Path, times: int, timeout: float = 900) -> float | None:
        """Seconds since start once the file has grown `times` times (from now); None if the process ended first."""
        size = lambda: path.stat().st_size if path.exists() else 0
        last, grown, deadline = size(), 0, time.monotonic() + timeout
        while grown < times:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return None
            if (now := size()) != last:
                grown += now > last
                last = now
            time.sleep(0.002)
        return self.elapsed()

    def sleep_until(self, at: float) -> None:
        time.sleep(max(0.0, at - self.elapsed()))

    def kill(self) -> bool:
        """SIGKILL the command (True if it was still running), then whatever it started (its process group)."""
        alive = self.proc.poll() is None
        if alive:
            self.killed_at = self.elapsed()
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)       # a child the command started, e.g. a Prefect server
        except (ProcessLookupError, PermissionError):
            pass
        self.reader.join(timeout=10)
        return alive

    def finish(self, timeout: float = 1800) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9
        self.reader.join(timeout=10)
        return rc

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)


def task_done(name: str) -> str:
    """The line Prefect logs when a task of the nightly flow finishes."""
    return rf"Task run '{name}-\w+' - Finished in state"


def run(args: list[str], env: dict[str, str], what: str) -> Child:
    child = Child(args, env)
    if child.finish() != 0:
        raise SystemExit(f"crash test setup: `reviewlens {' '.join(args)}` failed ({what}):\n{child.output()[-3000:]}")
    return child


# --- the store -------------------------------------------------------------------------------------------------

def db_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + ".wal")]


def save_store(db: Path, to: Path) -> None:
    to.mkdir(parents=True, exist_ok=True)
    for path in db_files(db):
        if path.exists():
            shutil.copy2(path, to / path.name)


def restore_store(snapshot: Path, db: Path) -> None:
    for path in db_files(db):
        path.unlink(missing_ok=True)
        if (snapshot / path.name).exists():
            shutil.copy2(snapshot / path.name, path)


def insight_tables() -> list[str]:
    from tests.helpers import insight_tables as tables
    return [*tables(), "topic_candidates"]


def table_rows(con, table: str) -> list[tuple]:
    """Every row without the columns that record when or by which run it was written, in a stable order (exact
    values first, floats last, so rows differing by rounding still pair up)."""
    drop = VOLATILE.get(table)
    rows = con.execute(f"SELECT * EXCLUDE ({', '.join(drop)}) FROM {table}" if drop else f"SELECT * FROM {table}").fetchall()
    return sorted(rows, key=lambda r: ([repr(v) for v in r if not isinstance(v, float)], [v for v in r if isinstance(v, float)]))


def close(a, b) -> bool:
    """Equal, floats to TOLERANCE, inside lists, dicts and tuples too."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def differing(a: dict[str, list], b: dict[str, list]) -> list[str]:
    """Tables whose rows differ between two snapshots."""
    return [t for t in a if not close(a[t], b.get(t))]


def first_difference(a: dict[str, list], b: dict[str, list]) -> list[str]:
    """For each differing table, its row counts and the first pair of rows that differ (shortened)."""
    out = []
    for t in differing(a, b):
        pair = next(((x, y) for x, y in zip(a[t], b.get(t) or []) if not close(x, y)), None)
        out.append(f"differs: {t} ({len(a[t])} vs {len(b.get(t) or [])} rows)" + (f": {str(pair[0])[:200]} vs {str(pair[1])[:200]}" if pair else ""))
    return out


def snapshot(db: Path, tables: list[str]) -> dict[str, list]:
    """The store opened as a command opens it (read-write, migrations checked), the tables read in full."""
    from reviewlens.flows.store.connection import connect
    con = connect(db)
    try:
        return {t: table_rows(con, t) for t in tables}
    finally:
        con.close()


def store_facts(db: Path) -> dict:
    """What the invariants need beyond the table contents."""
    from reviewlens.flows.store.connection import connect
    con = connect(db)
    try:
        return {
            "reviews": con.execute("SELECT count(*) FROM reviews").fetchone()[0],
            "by_source": dict(con.execute("SELECT source, count(*) FROM reviews GROUP BY ALL").fetchall()),
            "rejected_by_file": dict(con.execute("SELECT source_file, count(*) FROM reviews_rejected GROUP BY ALL").fetchall()),
            "double_scores": con.execute("SELECT count(*) FROM (SELECT review_id, model_version FROM review_scores "
                                         "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0],
            "double_aspects": con.execute("SELECT count(*) FROM (SELECT review_id, model_version, clause_no, topic "
                                          "FROM review_aspects GROUP BY ALL HAVING count(*) > 1)").fetchone()[0],
            "orphan_aspects": con.execute("SELECT count(*) FROM review_aspects a ANTI JOIN review_scores s "
                                          "USING (review_id, model_version)").fetchone()[0],
            "unscored": con.execute("SELECT count(*) FROM reviews r ANTI JOIN review_scores s ON s.review_id = r.review_id "
                                    "AND s.model_version = active_model()").fetchone()[0],
            "runs": con.execute("SELECT status, count(*) FROM runs GROUP BY ALL ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def leftovers(home: Path) -> list[str]:
    """Half-written files: write-then-rename leftovers under reports/."""
    return sorted(str(p.relative_to(home)) for p in (home / "reports").rglob("*") if p.name.endswith((".partial", ".old")))


# --- the input files -------------------------------------------------------------------------------------------

@dataclass
class InputFile:
    path: Path
    rows: int          # records written
    valid: int         # rows ingest must keep
    rejected: int      # rows ingest must log in reviews_rejected


def demo_rows(home: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(home / "cache" / f"demo_{lang}_{RUN_DATE.isoformat()}.parquet") for lang in ("en", "zh")]
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame["body"].fillna("").str.strip() != ""].reset_index(drop=True)


def new_reviews(source: pd.DataFrame, n: int, tag: str, rng: random.Random, end: date) -> pd.DataFrame:
    """n reviews drawn from the demo texts under new ids, written over the 28 days up to `end`."""
    picks = [rng.randrange(len(source)) for _ in range(n)]
    frame = source.iloc[picks].reset_index(drop=True).copy()
    frame["review_id"] = [f"crash-{tag}{i}-{rid}" for i, rid in enumerate(frame["review_id"])]
    frame["created_at"] = [pd.Timestamp(end) - pd.Timedelta(seconds=rng.randrange(28 * 86_400)) for _ in range(n)]
    frame["source"] = None
    return frame[["review_id", "product_id", "category", "rating", "title", "body", "language", "created_at", "label"]]


def spoil(frame: pd.DataFrame, every: int) -> tuple[pd.DataFrame, set[int]]:
    """Make every `every`-th row invalid in turn (blank body, rating 7, unreadable date); returns their positions."""
    frame = frame.astype({"rating": "object", "created_at": "object"}).copy()
    bad = list(range(every // 2, len(frame), every))
    for k, i in enumerate(bad):
        column, value = [("body", "   "), ("rating", "7"), ("created_at", "the day before yesterday")][k % 3]
        frame.at[i, column] = value
    return frame, set(bad)


def make_inputs(home: Path, folder: Path, seed: int) -> dict[str, InputFile]:
    """crash_A.csv and crash_B.jsonl for the ingest moments, crash_C.parquet for the run moments."""
    folder.mkdir(parents=True, exist_ok=True)
    source, rng, files = demo_rows(home), random.Random(seed), {}
    a, bad_a = spoil(new_reviews(source, INGEST_ROWS["A"], "a", rng, RUN_DATE), 499)
    a.to_csv(folder / "crash_A.csv", index=False)
    files["A"] = InputFile(folder / "crash_A.csv", len(a), len(a) - len(bad_a), len(bad_a))
    b, bad_b = spoil(new_reviews(source, INGEST_ROWS["B"], "b", rng, RUN_DATE), 401)
    lines = b.to_json(orient="records", lines=True, force_ascii=False, date_format="iso").splitlines()
    broken = set(range(250, len(lines), 1000))
    for i in broken:
        lines[i] = lines[i][: len(lines[i]) // 2]                      # a line cut in half: invalid_json
    (folder / "crash_B.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files["B"] = InputFile(folder / "crash_B.jsonl", len(b), len(b) - len(bad_b | broken), len(bad_b | broken))
    c = new_reviews(source, NEW_REVIEWS, "c", rng, NEXT_NIGHT)
    c.to_parquet(folder / "crash_C.parquet", index=False)
    files["C"] = InputFile(folder / "crash_C.parquet", len(c), len(c), 0)
    return files


# --- trials ----------------------------------------------------------------------------------------------------

@dataclass
class Trial:
    no: int
    command: str
    target: str                  # the phase the moment was drawn in
    moment_s: float              # seconds after the command started
    observed: str = ""           # what the store says the command had done
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.checks) and all(self.checks.values())


class Bench:
    def __init__(self, home: Path, seed: int, cache: Path | None):
        self.home = home.resolve()
        self.seed = seed
        self.cache = cache
        self.dir = self.home / "crash"
        self.work = self.dir / "work"                  # the workspace the crashed commands use
        self.db = self.work / "reviewlens.duckdb"
        self.env: dict[str, str] = {}
        self.files: dict[str, InputFile] = {}
        self.reference: dict = {}

    def env_for(self, home: Path) -> dict[str, str]:
        return {**self.env, "REVIEWLENS_HOME": str(home)}

    # setup ------------------------------------------------------------------------------------------------------

    def setup(self) -> None:
        """demo data, a tiny model and one complete night in <home>, once; then the snapshots the trials start from."""
        env = self.env_for(self.home)
        if not (self.home / "reviewlens.duckdb").exists():
            if self.cache:
                (self.home / "cache").mkdir(parents=True, exist_ok=True)
                for name in ("WomensClothingE-CommerceReviews.parquet.brotli", "pos.txt", "neg.txt"):
                    if (self.cache / name).exists() and not (self.home / "cache" / name).exists():
                        shutil.copy2(self.cache / name, self.home / "cache" / name)
            log("setup: reviewlens demo-data")
            run(["demo-data", "--date", RUN_DATE.isoformat()], env, "demo data")
        if not self._has_active_model():
            self.train_model()
        if not self._night_done(RUN_DATE):
            log(f"setup: reviewlens run --date {RUN_DATE} (scores the whole store)")
            run(["run", "--date", RUN_DATE.isoformat()], env, "first night")
        self.files = make_inputs(self.home, self.dir / "input", self.seed)
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        (self.work / "models").symlink_to(self.home / "models")
        save_store(self.home / "reviewlens.duckdb", self.dir / "scored")
        restore_store(self.dir / "scored", self.db)
        run(["ingest", str(self.files["C"].path)], self.env_for(self.work), "new reviews for the next night")
        save_store(self.db, self.dir / "next-night")

    def train_model(self) -> None:
        """`reviewlens train --preset tiny --activate` on 4,000 of the demo reviews in a workspace of its own (the
        whole store would take the tiny preset hours on 2 cores; the crash test needs a model, not a good one),
        then the model registered in <home> as `reviewlens train` registers it."""
        from reviewlens.flows.store.connection import connect

        train_home = self.dir / "train"
        train_home.mkdir(parents=True, exist_ok=True)
        rows = demo_rows(self.home)
        sample = pd.concat([rows[rows["language"] == lang].sample(2_000, random_state=self.seed) for lang in ("en", "zh")])
        sample.to_parquet(train_home / "sample.parquet", index=False)
        env = {**self.env_for(train_home), "REVIEWLENS_CACHE": str(self.home / "cache")}
        run(["ingest", str(train_home / "sample.parquet")], env, "training sample")
        log("setup: reviewlens train --preset tiny --activate on 4,000 demo reviews (minutes)")
        run(["train", "--preset", "tiny", "--activate"], env, "training")
        con = connect(self.home / "reviewlens.duckdb")
        try:
            con.execute(f"ATTACH '{str(train_home / 'reviewlens.duckdb').replace(chr(39), chr(39) * 2)}' AS trained (READ_ONLY)")
            version = con.execute("SELECT model_version FROM trained.model_registry WHERE active").fetchone()[0]
            shutil.copytree(train_home / "models" / version, self.home / "models" / version)
            con.execute("INSERT INTO model_registry BY NAME SELECT * FROM trained.model_registry WHERE active")
            con.execute("DETACH trained")
        finally:
            con.close()

    def _has_active_model(self) -> bool:
        from reviewlens.flows.store.connection import connect
        con = connect(self.home / "reviewlens.duckdb")
        try:
            return con.execute("SELECT count(*) FROM model_registry WHERE active").fetchone()[0] == 1
        finally:
            con.close()

    def _night_done(self, day: date) -> bool:
        from reviewlens.flows.store.connection import connect
        con = connect(self.home / "reviewlens.duckdb")
        try:
            return con.execute("SELECT count(*) FROM runs WHERE run_date = ? AND status = 'completed'", [day]).fetchone()[0] > 0
        finally:
            con.close()

    # references -------------------------------------------------------------------------------------------------

    def all_tables(self) -> list[str]:
        return ["reviews", "reviews_rejected", "review_scores", "review_aspects", "review_terms", *insight_tables()]

    def references(self) -> None:
        """Uninterrupted commands: their timings place the moments, their tables are what a crashed one must reach."""
        ingest_args = ["ingest", str(self.files["A"].path), str(self.files["B"].path)]
        restore_store(self.dir / "scored", self.db)
        base = store_facts(self.db)
        child = Child(ingest_args, self.env_for(self.work))
        # each file is one transaction: A's from the moment the command opens it, B's from A's summary (B begins
        # at once; B, read in a blink, can be open and closed between two looks at /proc)
        opened = child.wait_open(self.files["A"].path)
        done_a = child.wait_for(r"ingest crash_A\.csv")
        windows = {"A": (opened, done_a), "B": (done_a, child.wait_for(r"ingest crash_B\.jsonl"))}
        if child.finish() != 0 or None in (v for w in windows.values() for v in w):
            raise SystemExit(f"crash test setup: the reference ingest failed or was not seen:\n{child.output()[-3000:]}")
        after = store_facts(self.db)
        expected = {k: f.valid for k, f in self.files.items() if k in "AB"}
        got = {k: after["by_source"].get(self.files[k].path.name, 0) for k in "AB"}
        if got != expected:
            raise SystemExit(f"crash test setup: the reference ingest kept {got} valid rows, the files hold {expected}")
        tables = snapshot(self.db, ["reviews", "reviews_rejected"])
        restore_store(self.dir / "scored", self.db)                  # twice: an uninterrupted ingest is reproducible
        run(ingest_args, self.env_for(self.work), "second reference ingest")
        again = snapshot(self.db, ["reviews", "reviews_rejected"])
        if differing(tables, again):
            raise SystemExit("two uninterrupted ingests left different tables: " + "; ".join(first_difference(tables, again)))
        self.reference["ingest"] = {"base_reviews": base["reviews"], "windows": windows, "tables": tables}
        log("reference ingest: " + ", ".join(f"{k} {b - a:.2f}s" for k, (a, b) in windows.items()))

        restore_store(self.dir / "next-night", self.db)
        previous = snapshot(self.db, insight_tables())
        runs = []
        for attempt in range(2):                              # twice: an uninterrupted night is reproducible
            restore_store(self.dir / "next-night", self.db)
            child = run(["run", "--date", NEXT_NIGHT.isoformat()], self.env_for(self.work), "reference run")
            runs.append((child, snapshot(self.db, self.all_tables())))
        child, tables = runs[0]
        if differing(tables, runs[1][1]):
            raise SystemExit("two uninterrupted runs left different tables: " + "; ".join(first_difference(tables, runs[1][1])))
        if not differing({t: tables[t] for t in insight_tables()}, previous):
            raise SystemExit("the next night's insight tables equal the previous night's: nothing to tell apart")
        marks = {name: child.wait_for(task_done(name), timeout=1) for name in RUN_TASKS}
        self.reference["run"] = {                     # rebuild: review terms, insight tables, topics, the pages
            "windows": {"scoring": (marks["start_run"], marks["score_new_reviews"]),
                        "rebuild": (marks["score_new_reviews"], marks["publish_dashboard"])},
            "previous": previous, "tables": tables,
        }
        log("reference run: scoring {:.1f}s, rebuild {:.1f}s".format(*(b - a for a, b in self.reference["run"]["windows"].values())))

    # one killed command -----------------------------------------------------------------------------------------

    def crash_ingest(self, trial: Trial, rng: random.Random) -> None:
        ref = self.reference["ingest"]
        start, end = ref["windows"][trial.target]
        offset = rng.uniform(0.05, 0.9) * (end - start)
        args = ["ingest", str(self.files["A"].path), str(self.files["B"].path)]
        began = (lambda c: c.wait_open(self.files["A"].path)) if trial.target == "A" else \
            (lambda c: c.wait_for(r"ingest crash_A\.csv"))
        self.start_and_kill(trial, args, self.dir / "scored", began, offset)
        facts = self.check_opens(trial)
        if facts is None:
            return
        done = [k for k in "AB" if facts["by_source"].get(self.files[k].path.name, 0)]
        trial.observed = "committed: " + (", ".join(f"crash_{k}" for k in done) or "none")
        expected = ref["base_reviews"] + sum(self.files[k].valid for k in done)
        whole = all(facts["by_source"].get(self.files[k].path.name, 0) in (0, self.files[k].valid) for k in "AB")
        rejects = all(facts["rejected_by_file"].get(str(self.files[k].path), 0) == (self.files[k].rejected if k in done else 0)
                      for k in "AB")
        trial.checks["reviews = valid rows of the finished files"] = facts["reviews"] == expected and whole and rejects
        trial.checks["files in order"] = done in ([], ["A"], ["A", "B"])
        self.check_scores(trial, facts)
        self.run_again(trial, args, ref["tables"])

    def crash_run(self, trial: Trial, rng: random.Random) -> None:
        ref = self.reference["run"]
        start, end = ref["windows"][trial.target]
        args = ["run", "--date", NEXT_NIGHT.isoformat()]
        if trial.target == "scoring":          # after k of the pages' commits (seen as the WAL growing), mid-page
            pages = -(-NEW_REVIEWS // COMMIT_REVIEWS)
            commits, offset = rng.randrange(pages), rng.uniform(0.05, 0.95) * (end - start) / pages
            wal = self.db.with_name(self.db.name + ".wal")
            began = lambda c: c.wait_for(task_done("start_run")) and c.wait_growth(wal, commits)
        else:
            offset = rng.uniform(0.05, 0.95) * (end - start)
            began = lambda c: c.wait_for(task_done("score_new_reviews"))
        child = self.start_and_kill(trial, args, self.dir / "next-night", began, offset)
        phase = next((name for name in RUN_TASKS if not any(re.search(task_done(name), line) for _, line in child.lines)),
                     "after the flow")
        facts = self.check_opens(trial)
        if facts is None:
            return
        insights = snapshot(self.db, insight_tables())
        state = "previous" if not differing(insights, ref["previous"]) else "new" if not differing(
            insights, {t: ref["tables"][t] for t in insight_tables()}) else "mixed"
        trial.observed = f"in {phase}: {NEW_REVIEWS - facts['unscored']:,}/{NEW_REVIEWS:,} scored, insights {state}"
        trial.checks["reviews = valid rows of the finished files"] = facts["reviews"] == len(ref["tables"]["reviews"])
        trial.checks["insight tables previous or new, never a mix"] = state != "mixed"
        if state == "mixed":
            trial.notes.append("insight tables like neither night: " + ", ".join(differing(insights, ref["previous"])))
        self.check_scores(trial, facts)
        if not self.run_again(trial, args, ref["tables"]):
            return
        after = store_facts(self.db)
        before, now = dict(facts["runs"]), dict(after["runs"])          # a run killed before finish_run was 'running'
        trial.checks["a killed run is marked failed"] = "running" not in now and \
            now.get("failed", 0) == before.get("failed", 0) + before.get("running", 0)
        trial.checks["no half-written page"] = not leftovers(self.work) and \
            (self.work / "reports" / NEXT_NIGHT.isoformat() / "index.html").is_file()

    def reader_holds_the_store(self, trial: Trial) -> None:
        """Not a kill: an analyst's live query holds the store as the nightly run starts, and another reads the
        snapshot. The run waits for the store (logged), completes with the uninterrupted run's tables, and the
        queries end with their own sentences."""
        ref = self.reference["run"]
        restore_store(self.dir / "next-night", self.db)
        live = Child(["sql", "--live", "--timeout", "12", "SELECT count(*) FROM range(100000000000)"], self.env_for(self.work))
        trial.moment_s = live.wait_open(self.db) or 0.0
        analyst = Child(["sql", "--timeout", "60", "SELECT sum(range) FROM range(100000000000)"], self.env_for(self.work))
        run = Child(["run", "--date", NEXT_NIGHT.isoformat()], self.env_for(self.work))
        trial.checks["killed while running"] = True                    # nothing is killed: kept for the table's columns
        trial.checks["the run waited for the store and completed"] = run.finish() == 0 and "waiting" in run.output()
        trial.checks["the live query stopped at its limit"] = live.finish() == 2 and "ran longer than 12 s" in live.output()
        analyst_rc, said = analyst.finish(), analyst.output()
        trial.checks["the snapshot query was never in the way"] = "another reviewlens run" not in said and (
            analyst_rc == 0 or "ran longer than 60 s" in said or "no nightly run has published" in said)
        tables = snapshot(self.db, list(ref["tables"]))
        trial.checks["tables = uninterrupted command's"] = not differing(tables, ref["tables"])
        trial.notes += first_difference(tables, ref["tables"])
        if not trial.held:
            trial.notes += [run.output()[-500:], live.output()[-300:], analyst.output()[-300:]]
        trial.observed = f"run waited {run.output().count('waiting')}x for the live query, then completed"

    def run_again(self, trial: Trial, args: list[str], reference: dict[str, list]) -> bool:
        """The same command once more: it must complete and leave the tables the uninterrupted command left."""
        again = Child(args, self.env_for(self.work))
        trial.checks["next command completes"] = again.finish() == 0
        if not trial.checks["next command completes"]:
            trial.notes.append(again.output()[-500:])
            return False
        tables = snapshot(self.db, list(reference))
        trial.checks["tables = uninterrupted command's"] = not differing(tables, reference)
        trial.notes += first_difference(tables, reference)
        return True

    def start_and_kill(self, trial: Trial, args: list[str], start_from: Path, began, offset: float) -> Child:
        """The command on a fresh copy of the store, SIGKILLed `offset` seconds after `began(child)` (the moment its
        phase began, seen from outside). A command that ended before its moment was not crashed: the moment is drawn
        again, nearer (half the offset), up to three times."""
        for attempt in range(1, 4):
            restore_store(start_from, self.db)
            child = Child(args, self.env_for(self.work))
            at = began(child)
            trial.moment_s = (at if at is not None else child.elapsed()) + offset
            child.sleep_until(trial.moment_s)
            killed = child.kill()
            if killed:
                break
            trial.notes.append(f"attempt {attempt}: the command ended before {trial.moment_s:.2f}s")
            offset /= 2
        trial.checks["killed while running"] = killed
        return child

    def check_opens(self, trial: Trial) -> dict | None:
        try:
            facts = store_facts(self.db)
        except Exception as exc:                                   # the invariant that matters most
            trial.checks["store opens"] = False
            trial.notes.append(f"{type(exc).__name__}: {exc}")
            return None
        trial.checks["store opens"] = True
        return facts

    def check_scores(self, trial: Trial, facts: dict) -> None:
        trial.checks["no review scored twice by one model"] = facts["double_scores"] == 0 and facts["double_aspects"] == 0 \
            and facts["orphan_aspects"] == 0

    # a full disk ------------------------------------------------------------------------------------------------

    def full_disk(self) -> list[Trial]:
        trials, self.mounts = [], []
        try:
            for case, name in ((self.full_disk_ingest, "ingest"), (self.full_disk_report, "report")):
                try:
                    trials.append(case())
                except Exception as exc:                           # the table still shows the other case
                    trial = Trial(0, name, "disk full", 0.0, observed="the case itself failed")
                    trial.checks["case ran"] = False
                    trial.notes.append(f"{type(exc).__name__}: {exc}")
                    trials.append(trial)
        finally:
            for mount in reversed(self.mounts):
                subprocess.run(["umount", str(mount)], check=False)
        return trials

    def mount_tmpfs(self, mount: Path, size_bytes: int) -> bool:
        """A tmpfs of that size at mount (unmounted when the disk cases end); False where mount is not allowed."""
        mount.mkdir(parents=True, exist_ok=True)
        kib = -(-size_bytes // 1024)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(mount)], capture_output=True)
        if done.returncode == 0:
            self.mounts.append(mount)
        return done.returncode == 0

    def full_disk_ingest(self) -> Trial:
        """The store on a disk with room for the store and a little more, then crash_A: the disk fills mid-ingest."""
        trial = Trial(0, "ingest", "disk full", 0.0)
        restore_store(self.dir / "scored", self.db)
        size = sum(p.stat().st_size for p in db_files(self.db) if p.exists())
        mount = self.dir / "full-disk"
        if not self.mount_tmpfs(mount, size + 24 * 2**20):
            trial.observed = "skipped: cannot mount a tmpfs here (needs root)"
            return trial
        home = mount / "home"
        home.mkdir()
        (home / "models").symlink_to(self.home / "models")
        save_store(self.db, home)
        before = store_facts(home / "reviewlens.duckdb")
        child = Child(["ingest", str(self.files["A"].path)], self.env_for(home))
        rc = child.finish()
        message = [line for line in child.output().splitlines() if line.strip()]
        trial.observed = (message[-1] if message else "(no output)")[:160]
        trial.checks["exit status 2"] = rc == 2
        trial.checks["one sentence, no traceback"] = bool(message) and message[-1].startswith("reviewlens: ") and \
            "Traceback" not in child.output() and message[-1].count(". ") == 0
        trial.notes += [f"left beside the store: {p.name}" for p in home.iterdir()
                        if p.name not in ("models", "reviewlens.duckdb", "reviewlens.duckdb.wal")]
        self.mount_tmpfs_grow(mount)
        facts = self.check_opens_at(trial, home / "reviewlens.duckdb")
        if facts is not None:
            trial.checks["nothing half-written"] = facts["reviews"] == before["reviews"] and \
                facts["rejected_by_file"] == before["rejected_by_file"]
            again = Child(["ingest", str(self.files["A"].path)], self.env_for(home))
            trial.checks["next command completes"] = again.finish() == 0
            after = store_facts(home / "reviewlens.duckdb")
            trial.checks["reviews = valid rows of the finished files"] = \
                after["reviews"] == before["reviews"] + self.files["A"].valid
        return trial

    def mount_tmpfs_grow(self, mount: Path) -> None:
        """Free the disk: a tmpfs can be resized in place."""
        subprocess.run(["mount", "-o", "remount,size=4g", str(mount)], check=False)

    def check_opens_at(self, trial: Trial, db: Path) -> dict | None:
        try:
            facts = store_facts(db)
        except Exception as exc:
            trial.checks["store opens"] = False
            trial.notes.append(f"{type(exc).__name__}: {exc}")
            return None
        trial.checks["store opens"] = True
        return facts

    def full_disk_report(self) -> Trial:
        """reports/ on a disk with 16 KB left: the first page or export the command writes fails part-way. Without
        `mount`, the first write of a page or export raises ENOSPC half-way instead."""
        trial = Trial(0, "report", "disk full", 0.0)
        restore_store(self.dir / "next-night", self.db)
        run(["run", "--date", NEXT_NIGHT.isoformat()], self.env_for(self.work), "a night to report on")
        home = self.dir / "report-home"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()
        (home / "models").symlink_to(self.home / "models")
        save_store(self.db, home)
        reports, env = home / "reports", self.env_for(home)
        written = sum(f.stat().st_size for f in (self.work / "reports").rglob("*") if f.is_file())
        if self.mount_tmpfs(reports, written + 2 * 2**20):
            shutil.copytree(self.work / "reports", reports, dirs_exist_ok=True)
            filler = reports / ".filler"
            with filler.open("wb") as fh:
                fh.write(b"\0" * max(0, shutil.disk_usage(reports).free - 16 * 1024))
            how = "tmpfs"
        else:
            shutil.copytree(self.work / "reports", reports)
            filler, how = None, "ENOSPC injected"
            inject = self.dir / "inject"
            inject.mkdir(exist_ok=True)
            (inject / "sitecustomize.py").write_text(ENOSPC_ON_FIRST_PAGE, encoding="utf-8")
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(inject), env.get("PYTHONPATH", "")) if p)
        page = reports / NEXT_NIGHT.isoformat() / "index.html"
        before = {p: p.read_bytes() for p in reports.rglob("*") if p.is_file() and p != filler}
        child = Child(["report", "--date", NEXT_NIGHT.isoformat()], env)
        rc = child.finish()
        message = [line for line in child.output().splitlines() if line.strip()]
        trial.observed = f"{how}: " + (message[-1] if message else "(no output)")[:150]
        trial.checks["exit status 2"] = rc == 2
        trial.checks["one sentence, no traceback"] = bool(message) and message[-1].startswith("reviewlens: ") and \
            "Traceback" not in child.output() and message[-1].count(". ") == 0
        after = {p: p.read_bytes() for p in reports.rglob("*") if p.is_file() and p != filler}
        changed = sorted(str(p.relative_to(reports)) for p in after if after[p] != before.get(p))
        trial.notes += [f"rewritten whole: {name}" for name in changed]       # earlier exports of this command
        trial.checks["nothing half-written"] = page.read_bytes() == before[page] and not leftovers(home) and \
            set(after) >= set(before)
        if filler is not None:
            filler.unlink()
        again = Child(["report", "--date", NEXT_NIGHT.isoformat()], self.env_for(home))
        trial.checks["next command completes"] = again.finish() == 0 and page.stat().st_size > 0
        return trial


# --- main ------------------------------------------------------------------------------------------------------

def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def plan(moments: int, rng: random.Random) -> list[tuple[str, str]]:
    """(command, phase) for each moment: a third each mid-ingest (file A or B), mid-scoring, mid-rebuild."""
    ingest = moments // 3
    scoring = (moments - ingest) // 2
    rebuild = moments - ingest - scoring
    return ([("ingest", rng.choice("AB")) for _ in range(ingest)] + [("run", "scoring")] * scoring
            + [("run", "rebuild")] * rebuild)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "reviewlens-crash",
                        help="throwaway workspace (set up once, reused)")
    parser.add_argument("--moments", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--readers", type=int, default=1, help="moments where a live `sql` query holds the store as "
                        "the nightly run starts (not kills; added to --moments)")
    parser.add_argument("--cache", type=Path, default=None, help="a folder already holding the demo data files")
    parser.add_argument("--no-disk-full", action="store_true", help="skip the full-disk cases")
    args = parser.parse_args()

    from reviewlens.flows.nightly.schedule import local_prefect_server
    from rich.console import Console

    bench = Bench(args.home, args.seed, args.cache)
    started = time.monotonic()
    base_env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1",
                "REVIEWLENS_SHARD_REVIEWS": str(COMMIT_REVIEWS), "COLUMNS": "120"}
    base_env.pop("REVIEWLENS_CONFIG", None)
    with local_prefect_server(Console(stderr=True)) as url:          # one API for every command: no server per process
        bench.env = {**base_env, "PREFECT_API_URL": url}
        bench.setup()
        if args.moments or args.readers:
            bench.references()
        rng = random.Random(args.seed)
        trials = []
        for no, (command, target) in enumerate(plan(args.moments, rng) + [("reader", "start")] * args.readers, 1):
            trial = Trial(no, command, target, 0.0)
            if command == "reader":
                bench.reader_holds_the_store(trial)
            else:
                (bench.crash_ingest if command == "ingest" else bench.crash_run)(trial, rng)
            trials.append(trial)
            log(f"{no:>2} {command:<6} {target:<8} {trial.moment_s:6.2f}s  {trial.observed:<62} "
                f"{'held' if trial.held else 'BROKEN: ' + ', '.join(k for k, v in trial.checks.items() if not v)}")
        disk = [] if args.no_disk_full else bench.full_disk()

    print_table(trials, disk)
    held = sum(t.held for t in trials)
    out = bench.home / "bench" / "crash_test.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "command": " ".join(sys.argv), "seed": args.seed, "moments": len(trials), "held": held,
        "commit_reviews": COMMIT_REVIEWS, "new_reviews": NEW_REVIEWS, "ingest_rows": INGEST_ROWS,
        "windows_s": {k: bench.reference[k]["windows"] for k in bench.reference},
        "trials": [{**asdict(t), "held": t.held} for t in trials],
        "disk_full": [{**asdict(t), "held": t.held} for t in disk],
        "wall_s": round(time.monotonic() - started, 1),
    }, indent=2, default=str), encoding="utf-8")
    print(f"\n{held} of {len(trials)} moments held every invariant; full disk: "
          f"{sum(t.held for t in disk)} of {len(disk)} held; {out}")
    sys.exit(0 if held == len(trials) and all(t.held for t in disk) else 1)


def print_table(trials: list[Trial], disk: list[Trial]) -> None:
    print(f"\n{'#':>2}  {'command':<7} {'moment':<18} {'observed':<62} invariants")
    for t in trials + disk:
        broken = [k for k, v in t.checks.items() if not v]
        verdict = f"held ({len(t.checks)})" if t.held else ("skipped" if not t.checks else "BROKEN: " + "; ".join(broken))
        moment = f"{t.target} +{t.moment_s:.2f}s" if t.moment_s else t.target
        print(f"{t.no or '-':>2}  {t.command:<7} {moment:<18} {t.observed[:62]:<62} {verdict}")


if __name__ == "__main__":
    main()
