"""One clock: what reviewlens writes is UTC whatever the machine's zone; run dates are days in the configured zone."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest

from reviewlens.flows.clock import run_date_at, today, utc_now
from reviewlens.flows.config import ConfigError, load_settings

NEAR_MIDNIGHT_UTC = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)


@contextmanager
def machine_zone(name: str):
    """Run the block as if the machine's local zone were `name` (TZ + tzset), restored in finally."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.parametrize("zone, expected", [
    ("UTC", date(2026, 11, 28)),
    ("Asia/Shanghai", date(2026, 11, 29)),          # 07:30 next morning
    ("America/New_York", date(2026, 11, 28)),       # 18:30
    ("Pacific/Kiritimati", date(2026, 11, 29)),     # UTC+14
])
def test_run_date_is_the_day_of_the_instant_in_the_configured_zone(zone, expected):
    assert run_date_at(NEAR_MIDNIGHT_UTC, zone) == expected
    assert run_date_at(NEAR_MIDNIGHT_UTC.replace(tzinfo=None), zone) == expected       # naive means UTC, as stored


@pytest.mark.parametrize("machine, expected", [("Asia/Tokyo", date(2026, 11, 29)), ("America/Los_Angeles", date(2026, 11, 28))])
def test_an_empty_timezone_setting_means_the_machines_zone(machine, expected):
    with machine_zone(machine):
        assert run_date_at(NEAR_MIDNIGHT_UTC, "") == expected


def test_today_follows_the_configured_zone_not_the_machine():
    with machine_zone("Pacific/Kiritimati"):                      # UTC+14: never the same day as UTC-11
        assert today("Pacific/Pago_Pago") == datetime.now(timezone(timedelta(hours=-11))).date()


def test_the_timezone_setting_comes_from_the_environment_and_a_bad_one_is_one_sentence(tmp_path):
    settings = load_settings(tmp_path / "absent.toml", env={"REVIEWLENS_TIMEZONE": "Europe/Berlin"})
    assert settings.timezone == "Europe/Berlin"
    with pytest.raises(ConfigError, match=r"setting 'timezone' is 'Mars/Olympus', not an IANA time zone"):
        run_date_at(NEAR_MIDNIGHT_UTC, "Mars/Olympus")


def close_to_utc_now(stamp: datetime) -> bool:
    return abs(stamp - utc_now()) < timedelta(minutes=5)


def test_timestamps_written_on_a_machine_far_from_utc_are_utc(con, tmp_path):
    """Ingest, registry, scoring and the runs table, on a machine whose local zone is UTC+8."""
    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.nightly.flow import RunSummary, finish_run, start_run
    from reviewlens.flows.scoring.tables import score_tables
    from reviewlens.flows.store.registry import register
    from reviewlens.models.inference import Scored
    import numpy as np

    csv = tmp_path / "r.csv"
    csv.write_text("review_id,product_id,body,created_at\nr1,p1,Lovely,2026-11-27 10:00:00\nr2,p1,,2026-11-27\n")
    with machine_zone("Asia/Shanghai"):
        ingest_file(con, csv)
        register(con, "v1", "tiny", {}, "f", {}, tmp_path / "v1", activate=True)
        run_id = start_run.fn(con, date(2026, 11, 28), "v1")
        finish_run.fn(con, RunSummary(run_id, date(2026, 11, 28), "v1", 0, {}, [], ""), "completed")
        scores, _ = score_tables(["r1"], [Scored("positive", np.array([0.1, 0.1, 0.8]), {}, [], [])], "v1", run_id, ["h"])
    stamps = {
        "reviews.ingested_at": con.execute("SELECT ingested_at FROM reviews").fetchone()[0],
        "reviews_rejected.rejected_at": con.execute("SELECT rejected_at FROM reviews_rejected").fetchone()[0],
        "model_registry.created_at": con.execute("SELECT created_at FROM model_registry").fetchone()[0],
        "runs.started_at": con.execute("SELECT started_at FROM runs").fetchone()[0],
        "runs.finished_at": con.execute("SELECT finished_at FROM runs").fetchone()[0],
        "review_scores.scored_at": scores.column("scored_at")[0].as_py(),
        "schema_version.applied_at": con.execute("SELECT max(applied_at) FROM schema_version").fetchone()[0],
    }
    assert {name: stamp for name, stamp in stamps.items() if not close_to_utc_now(stamp)} == {}


def test_a_command_without_date_runs_for_today_in_the_configured_zone(monkeypatch):
    from reviewlens.flows.cli import _parse_date

    monkeypatch.setenv("REVIEWLENS_TIMEZONE", "Pacific/Kiritimati")           # UTC+14
    with machine_zone("Pacific/Pago_Pago"):                                   # UTC-11: always another day
        assert _parse_date(None) == datetime.now(timezone(timedelta(hours=14))).date()
