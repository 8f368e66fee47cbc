"""The nightly flow end to end on a small real store with a really trained model (Prefect test harness)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import date

import pytest

from reviewlens.flows.store.registry import register
from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.scoring.stream import count_unscored, score_unscored
from tests.fixtures import write_fixture
from reviewlens.flows.nightly.schedule import nightly_deployment
from reviewlens.flows.store.connection import StoreBusy, connect
from reviewlens.models.inference import ReviewModel
from reviewlens.flows.nightly.flow import nightly
from reviewlens.flows.nightly.insights import insight_tables

pytestmark = pytest.mark.slow
RUN = date(2026, 11, 28)
INSIGHTS = [*insight_tables(), "topic_candidates"]


def snapshot(settings) -> dict:
    con = connect(settings.db_path, read_only=True)
    try:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in INSIGHTS}
        tables["scores"] = con.execute("SELECT review_id, model_version, sentiment, scored_at FROM review_scores ORDER BY ALL").fetchall()
        return tables
    finally:
        con.close()


def test_a_killed_run_resumes_without_duplicates_then_reruns_change_nothing(trained_home):
    settings, summary = trained_home
    con = connect(settings.db_path)
    for path in write_fixture(settings.home / "new-input", seed=1, prefix="new-"):
        ingest_file(con, path)                                  # 600 reviews nobody has scored yet
    model = ReviewModel.load(summary.folder)
    model.version = summary.version
    unscored = count_unscored(con, summary.version)
    partial = score_unscored(con, model, "killed-run", batch_reviews=100, batch_tokens=4096, stop_after_batches=2)
    total = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    con.close()
    assert unscored >= 600 and partial == 200

    first = nightly(RUN, str(settings.home))
    assert first.scored == unscored - 200
    con = connect(settings.db_path, read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT review_id) FROM review_scores WHERE model_version = ?",
                       [summary.version]).fetchone() == (total, total)
    assert con.execute("SELECT count(*) FROM insight_daily").fetchone()[0] > 0
    con.close()
    before = snapshot(settings)

    again = nightly(RUN, str(settings.home))
    assert again.scored == 0
    assert snapshot(settings) == before
    assert (settings.reports_dir / RUN.isoformat() / "index.html").is_file()
    assert (settings.reports_dir / "index.html").is_file()


def test_a_second_concurrent_run_stops_at_once_with_a_clear_message(trained_home):
    settings, _ = trained_home
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time\nc = duckdb.connect({str(settings.db_path)!r})\nprint('held', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=f"another reviewlens run is using {settings.db_path}"):
            nightly(RUN, str(settings.home))
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_activating_a_new_model_rescores_and_keeps_old_scores_queryable(trained_home):
    settings, summary = trained_home
    copy = settings.models_dir / "tiny-copy"
    shutil.copytree(summary.folder, copy, dirs_exist_ok=True)
    con = connect(settings.db_path)
    register(con, "tiny-copy", "tiny", {}, "f", summary.metrics, copy, activate=True)
    total = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    con.close()
    result = nightly(RUN, str(settings.home))
    assert result.model_version == "tiny-copy" and result.scored == total
    con = connect(settings.db_path)
    per_version = dict(con.execute("SELECT model_version, count(*) FROM review_scores GROUP BY ALL").fetchall())
    assert per_version == {summary.version: total, "tiny-copy": total}
    assert con.execute("SELECT count(*) FROM v_reviews_scored WHERE model_version = 'tiny-copy'").fetchone()[0] == total
    con.execute("UPDATE model_registry SET active = (model_version = ?)", [summary.version])
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
