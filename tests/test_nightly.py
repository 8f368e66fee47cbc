"""The nightly flow end to end on a small real store with a really trained model (Prefect test harness)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta

import duckdb
import pytest

from reviewlens.flows.store.registry import register
from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.nightly.schedule import nightly_deployment
from reviewlens.flows.store.connection import StoreBusy, connect
from reviewlens.flows.store.snapshot import snapshot_path
from reviewlens.flows.nightly.flow import nightly
from tests.fixtures import restoring, write_fixture
from tests.helpers import count_unscored, insight_tables
from tests.processes import Command, task_finished

pytestmark = pytest.mark.slow
RUN = date(2026, 11, 28)
INSIGHTS = [*insight_tables(), "topic_candidates"]


def snapshot(settings) -> dict:
    """Every table a run writes, without the columns that say when or by which run a row was written."""
    con = connect(settings.db_path, read_only=True)
    try:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in INSIGHTS}
        tables["scores"] = con.execute("SELECT * EXCLUDE (run_id, scored_at) FROM review_scores ORDER BY ALL").fetchall()
        tables["aspects"] = con.execute("SELECT * FROM review_aspects ORDER BY ALL").fetchall()
        return tables
    finally:
        con.close()


def one(settings, sql: str, *params):
    """One row of a query on the store, the connection closed whatever happens (a test's leak breaks the next)."""
    con = connect(settings.db_path, read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()
    finally:
        con.close()


def unscored_count(settings, version: str) -> int:
    con = connect(settings.db_path, read_only=True)
    try:
        return count_unscored(con, version)
    finally:
        con.close()


def insights(settings) -> dict:
    return {t: rows for t, rows in snapshot(settings).items() if t in INSIGHTS}


def add_reviews(settings, n_en: int, n_zh: int, prefix: str) -> None:
    con = connect(settings.db_path)
    for path in write_fixture(settings.home / f"{prefix}input", n_en=n_en, n_zh=n_zh, seed=len(prefix), prefix=prefix):
        ingest_file(con, path)
    con.close()


def run_command(settings, prefect_api: str) -> Command:
    """`reviewlens run` as cron starts it, committing scores in shards of 50 reviews; --verbose, so that its task
    lines (which the test waits for) reach the console."""
    return Command(["--verbose", "run", "--date", RUN.isoformat()], settings.home, PREFECT_API_URL=prefect_api,
                   REVIEWLENS_SHARD_REVIEWS="50")


def test_a_run_killed_mid_scoring_keeps_its_commits_and_the_next_run_finishes_without_duplicates(changed_trained_home, prefect_api):
    settings, summary = changed_trained_home
    add_reviews(settings, 1_800, 1_200, "new-")                   # 3,000 reviews nobody has scored yet
    unscored = unscored_count(settings, summary.version)
    total = one(settings, "SELECT count(*) FROM reviews")[0]

    run = run_command(settings, prefect_api)
    run.wait_until(lambda: run.saw(r"committed the scores of \d+ reviews"), "it committed a shard of scores")
    run.kill()                                                    # SIGKILL: no handler runs, nothing is flushed

    left = unscored_count(settings, summary.version)
    killed = one(settings, "SELECT run_id, status FROM runs WHERE run_date = ? ORDER BY started_at DESC", RUN)
    assert unscored >= 3_000 and 0 < unscored - left < unscored, (unscored, left)      # some batches, not all
    assert killed[1] == "running"

    first = nightly(RUN, str(settings.home))
    assert first.scored == left
    assert one(settings, "SELECT count(*), count(DISTINCT review_id) FROM review_scores WHERE model_version = ?",
               summary.version) == (total, total)
    assert one(settings, "SELECT count(*) FROM (SELECT review_id, clause_no, topic FROM review_aspects "
                         "WHERE model_version = ? GROUP BY ALL HAVING count(*) > 1)", summary.version) == (0,)
    assert one(settings, "SELECT status, message FROM runs WHERE run_id = ?", killed[0]) == (
        "failed", "interrupted: the process stopped before the run finished")
    assert one(settings, "SELECT count(*) FROM insight_daily")[0] > 0
    before = snapshot(settings)

    again = nightly(RUN, str(settings.home))
    assert again.scored == 0
    assert snapshot(settings) == before
    assert (settings.reports_dir / RUN.isoformat() / "index.html").is_file()
    assert (settings.reports_dir / "index.html").is_file()


def test_a_run_killed_mid_rebuild_keeps_the_previous_insights_and_the_next_run_ends_as_if_never_killed(
        changed_trained_home, prefect_api, monkeypatch):
    settings, _ = changed_trained_home
    monkeypatch.setenv("REVIEWLENS_SHARD_REVIEWS", "50")           # the shards the killed command scores in
    nightly(RUN - timedelta(days=1), str(settings.home))          # the previous night's insight tables
    add_reviews(settings, 300, 200, "late-")
    previous = insights(settings)
    with restoring(settings):                                      # what an uninterrupted run leaves, then undone
        nightly(RUN, str(settings.home))
        uninterrupted = snapshot(settings)
    assert insights(settings) == previous and previous != {t: uninterrupted[t] for t in INSIGHTS}

    run = run_command(settings, prefect_api)
    run.wait_until(lambda: run.saw(task_finished("index_review_terms")), "it indexed the new reviews' words")
    run.kill()                                                    # while the insight tables are being rebuilt
    assert insights(settings) == previous

    assert nightly(RUN, str(settings.home)).scored == 0           # the killed run had committed every score
    assert snapshot(settings) == uninterrupted
    assert not [p for p in settings.reports_dir.rglob("*") if p.name.endswith((".partial", ".old"))]


def test_a_run_that_fails_in_topic_discovery_leaves_every_insight_table_as_it_was(changed_trained_home, monkeypatch):
    """The insight tables and the topic candidates change together or not at all."""
    import reviewlens.flows.nightly.flow as flow_module

    settings, _ = changed_trained_home
    nightly(RUN - timedelta(days=1), str(settings.home))
    add_reviews(settings, 300, 200, "later-")
    previous = insights(settings)

    def discovery_fails(*args, **kwargs):
        raise RuntimeError("topic discovery failed")
    monkeypatch.setattr(flow_module, "discover_topics", discovery_fails)
    with pytest.raises(RuntimeError, match="topic discovery failed"):
        nightly(RUN, str(settings.home))
    assert insights(settings) == previous


def hold_store(settings, seconds: float) -> subprocess.Popen:
    """Another process holding the store's write lock for `seconds` (an ingest, a live query), once it says so."""
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time\nc = duckdb.connect({str(settings.db_path)!r})\n"
                               f"print('held', flush=True)\ntime.sleep({seconds})"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_waits_for_the_store_a_bounded_time_then_says_so(trained_home, monkeypatch):
    settings, _ = trained_home
    monkeypatch.setenv("REVIEWLENS_STORE_WAIT_SECONDS", "3")
    holder = hold_store(settings, 60)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=f"another reviewlens run is using {settings.db_path} .*still was after waiting 3 s"):
            nightly(RUN, str(settings.home))
        assert 3 <= time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_a_second_nightly_run_stops_at_once_while_the_first_goes_on(trained_home):
    from reviewlens.flows.nightly.run_lock import LOCK_FILE, RunInProgress
    settings, _ = trained_home
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(settings.home / LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\nos.ftruncate(fd, 0)\nos.pwrite(fd, b'4242', 0)\nprint('held', flush=True)\n"
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(RunInProgress, match=f"another nightly run \\(process 4242\\) is running on {settings.home}"):
            nightly(RUN, str(settings.home))
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_a_run_that_finds_the_store_busy_waits_logs_and_completes(changed_trained_home, caplog):
    settings, _ = changed_trained_home
    holder = hold_store(settings, 4)                                # e.g. an ingest that ends 4 s into the night
    try:
        summary = nightly(RUN, str(settings.home))
    finally:
        holder.kill()
        holder.wait()
    assert one(settings, "SELECT status FROM runs WHERE run_id = ?", summary.run_id) == ("completed",)
    assert "waiting 1 s" in caplog.text and "waiting 2 s" in caplog.text


def test_a_completed_run_publishes_the_snapshot_analysts_read_and_readers_never_block_the_next_run(changed_trained_home):
    settings, _ = changed_trained_home
    first = nightly(RUN - timedelta(days=1), str(settings.home))
    path = snapshot_path(settings.home)
    reader = duckdb.connect(str(path), read_only=True)               # an analyst's BI tool, left open all night
    try:
        assert reader.execute("SELECT run_id, run_date FROM snapshot_info").fetchone() == (first.run_id, first.run_date)
        assert reader.execute("SELECT count(*) FROM v_reviews_scored").fetchone()[0] == first.scored > 0
        second = nightly(RUN, str(settings.home))
        assert reader.execute("SELECT run_id FROM snapshot_info").fetchone() == (first.run_id,)   # its copy, whole
    finally:
        reader.close()
    fresh = duckdb.connect(str(path), read_only=True)
    try:
        assert fresh.execute("SELECT run_id FROM snapshot_info").fetchone() == (second.run_id,)
        assert fresh.execute("SELECT status FROM runs WHERE run_id = ?", [second.run_id]).fetchone() == ("completed",)
        assert fresh.execute("SELECT count(*) FROM insight_daily").fetchone() == one(settings, "SELECT count(*) FROM insight_daily")
    finally:
        fresh.close()
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert not (path.stat().st_mode & 0o222)                          # published read-only
    assert sorted(p.name for p in settings.home.iterdir() if p.name.startswith(path.name)) == [path.name]


def test_activating_a_new_model_rescores_and_keeps_old_scores_queryable(changed_trained_home):
    settings, summary = changed_trained_home
    total = nightly(RUN, str(settings.home)).scored                 # everything scored by the trained model
    copy = settings.models_dir / "tiny-copy"
    shutil.copytree(summary.folder, copy, dirs_exist_ok=True)
    con = connect(settings.db_path)
    try:
        register(con, "tiny-copy", "tiny", {}, "f", summary.metrics, copy, activate=True)
        assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == total
    finally:
        con.close()
    result = nightly(RUN, str(settings.home))
    assert result.model_version == "tiny-copy" and result.scored == total
    con = connect(settings.db_path, read_only=True)
    try:
        per_version = dict(con.execute("SELECT model_version, count(*) FROM review_scores GROUP BY ALL").fetchall())
        assert per_version == {summary.version: total, "tiny-copy": total}
        assert con.execute("SELECT count(*) FROM v_reviews_scored WHERE model_version = 'tiny-copy'").fetchone()[0] == total
    finally:
        con.close()


def test_serve_builds_a_deployment_with_the_requested_cron_and_timezone(trained_home):
    settings, _ = trained_home
    deployment = nightly_deployment("30 3 * * 1-5", "Europe/Berlin", settings)
    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("30 3 * * 1-5", "Europe/Berlin")
    assert deployment.parameters["home"] == str(settings.home.resolve())


def test_serve_refuses_an_invalid_schedule(trained_home):
    from reviewlens.flows.errors import UserError
    settings, _ = trained_home
    with pytest.raises(UserError, match="not a valid schedule"):
        nightly_deployment("every night", "Mars/Olympus", settings)
