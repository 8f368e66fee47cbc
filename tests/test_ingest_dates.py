"""Ingest and created_at: offsets are honoured (stored as UTC), dates after the run's now are rejected, and dates
before the `created_at_floor` setting load but are counted and warned about (issue 21, items 4 and 9)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows import clock
from reviewlens.flows.config import Settings
from reviewlens.flows.ingest.files import IngestError, ingest_file

NOW = datetime(2026, 11, 28, 12, 0)                     # the run's now, UTC, pinned below


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setattr(clock, "utc_now", lambda: NOW)


def write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """(review_id, body, created_at) rows as a file in the format the suffix names."""
    frame = pd.DataFrame(rows, columns=["review_id", "body", "created_at"]).assign(product_id="p1")
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in frame.to_dict("records")), encoding="utf-8")
    return path


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "reviewlens.flows.ingest.files"]


def stored(con) -> list[tuple]:
    return con.execute("SELECT review_id, body, created_at FROM reviews ORDER BY review_id").fetchall()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_plus_five_hours_row_is_five_utc_and_loses_to_a_six_utc_row_for_the_same_id(con, tmp_path, fmt):
    path = write(tmp_path / f"tz.{fmt}", [
        ("r1", "written at 06:00 UTC", "2026-11-01T06:00:00Z"),
        ("r1", "written at 10:00 in +05:00, 05:00 UTC", "2026-11-01T10:00:00+05:00"),
        ("r2", "alone, 10:00 in +05:00", "2026-11-01T10:00:00+05:00"),
    ])
    summary = ingest_file(con, path)
    assert (summary.inserted, summary.duplicates_in_file) == (2, 1)
    assert stored(con) == [("r1", "written at 06:00 UTC", datetime(2026, 11, 1, 6, 0)),
                           ("r2", "alone, 10:00 in +05:00", datetime(2026, 11, 1, 5, 0))]


def test_against_the_table_an_offset_row_is_compared_in_utc(con, tmp_path):
    ingest_file(con, write(tmp_path / "a.csv", [("r1", "06:00 UTC", "2026-11-01 06:00:00")]))
    later_looking = ingest_file(con, write(tmp_path / "b.csv", [("r1", "10:00+05:00", "2026-11-01T10:00:00+05:00")]))
    assert later_looking.stale == 1
    assert stored(con) == [("r1", "06:00 UTC", datetime(2026, 11, 1, 6, 0))]


@pytest.mark.parametrize("written, utc", [
    ("2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, 0)),
    ("2026-11-01T10:00:00+05:00", datetime(2026, 11, 1, 5, 0)),
    ("2026-11-01 10:00:00+0530", datetime(2026, 11, 1, 4, 30)),
    ("2026-11-01T22:00:00-03:00", datetime(2026, 11, 2, 1, 0)),        # the next day in UTC
    ("2026-11-01T02:00:00+05:00", datetime(2026, 10, 31, 21, 0)),      # the day before in UTC
    ("2026-11-01 10:00:00", datetime(2026, 11, 1, 10, 0)),             # no offset: taken as UTC
    ("2026-11-01", datetime(2026, 11, 1, 0, 0)),
])
def test_created_at_is_stored_in_utc_honouring_any_offset(con, tmp_path, written, utc):
    ingest_file(con, write(tmp_path / "t.csv", [("r1", "text", written)]))
    assert stored(con) == [("r1", "text", utc)]


def test_a_time_in_an_unknown_zone_is_rejected_rather_than_read_as_utc(con, tmp_path):
    summary = ingest_file(con, write(tmp_path / "t.csv", [("r1", "text", "2026-11-01 10:00:00 XYZ")]))
    assert dict(summary.rejected) == {"invalid_created_at": 1}


def test_a_parquet_timestamp_with_time_zone_column_is_stored_in_utc(con, tmp_path):
    path = tmp_path / "tz.parquet"
    pd.DataFrame({"review_id": ["r1"], "product_id": ["p1"], "body": ["text"],
                  "created_at": [pd.Timestamp("2026-11-01T10:00:00+05:00")]}).to_parquet(path)
    ingest_file(con, path)
    assert stored(con) == [("r1", "text", datetime(2026, 11, 1, 5, 0))]


def test_a_date_more_than_a_day_after_now_is_rejected_as_future_created_at(con, tmp_path):
    path = write(tmp_path / "future.csv", [
        ("in_a_day", "23 hours after now", "2026-11-29T11:00:00Z"),
        ("same_instant", "a day after now, in +05:00", "2026-11-29T17:00:00+05:00"),
        ("too_late", "25 hours after now", "2026-11-29T13:00:00Z"),
        ("far", "in 2031", "2031-06-01"),
    ])
    summary = ingest_file(con, path)
    assert summary.inserted == 2
    assert dict(summary.rejected) == {"future_created_at": 2}
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [
        (4, "future_created_at"), (5, "future_created_at")]


def test_ingested_at_is_the_same_now(con, tmp_path):
    ingest_file(con, write(tmp_path / "a.csv", [("r1", "text", "2026-11-01")]))
    assert con.execute("SELECT ingested_at FROM reviews").fetchone()[0] == NOW


def test_dates_before_the_floor_load_but_are_counted_and_warned_about(con, tmp_path, caplog):
    path = write(tmp_path / "old.csv", [
        ("a", "from 1900", "1900-01-01"),
        ("b", "the last day before the floor", "1999-12-31T23:59:59Z"),
        ("c", "after the floor in UTC", "2000-01-01T04:00:00+03:00"),   # 01:00 UTC on the floor's day
        ("d", "recent", "2026-11-01"),
    ])
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, path, settings=Settings(created_at_floor="2000-01-01"))
    assert (summary.inserted, summary.before_floor) == (4, 2)
    assert warnings(caplog) == [
        "2 rows of old.csv are dated before 2000-01-01 (setting created_at_floor); they were loaded: "
        "check that their dates are real."]


def test_the_floor_is_a_setting(con, tmp_path):
    path = write(tmp_path / "old.csv", [("a", "2015", "2015-06-01"), ("b", "2024", "2024-06-01")])
    assert ingest_file(con, path, settings=Settings(created_at_floor="2020-01-01")).before_floor == 1
    assert ingest_file(con, path, settings=Settings(created_at_floor="2000-01-01")).before_floor == 0


def test_a_file_with_no_old_dates_warns_nothing(con, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, write(tmp_path / "ok.csv", [("a", "text", "2026-11-01")]))
    assert summary.before_floor == 0 and warnings(caplog) == []


def test_a_date_ingest_cannot_read_is_rejected_with_one_line_that_shows_the_value_and_names_date_format(
        con, tmp_path, caplog):
    path = write(tmp_path / "years.csv", [("a", "fine", "2017"), ("b", "fine", "2018"), ("c", "fine", "2026-11-01")])
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, path)
    assert (summary.inserted, dict(summary.rejected)) == (1, {"invalid_created_at": 2})
    (said,) = warnings(caplog)
    assert said.startswith("years.csv: 2 rows rejected as invalid_created_at, e.g. line 2: created_at '2017' is not")
    assert "--date-format" in said and "'%Y' for a year alone" in said


@pytest.mark.parametrize("layout, written, utc", [
    ("%Y", "2017", datetime(2017, 1, 1)),                                       # a year alone: its first day
    ("%m/%d/%Y", "12/31/2025", datetime(2025, 12, 31)),
    ("%d.%m.%Y %H:%M", "31.12.2025 23:30", datetime(2025, 12, 31, 23, 30)),
    ("%Y-%m-%d %H:%M %z", "2025-12-31 23:30 +0100", datetime(2025, 12, 31, 22, 30)),  # an offset is honoured
])
def test_date_format_reads_created_at_by_that_layout_alone(con, tmp_path, layout, written, utc):
    path = write(tmp_path / "laid_out.csv", [("a", "fine", written), ("b", "ISO is not this layout", "2026-11-01")])
    summary = ingest_file(con, path, date_format=layout)
    assert (summary.inserted, dict(summary.rejected)) == (1, {"invalid_created_at": 1})
    assert stored(con) == [("a", "fine", utc)]


@pytest.mark.parametrize("layout", ["%Q", "YYYY-MM-DD"])
def test_a_date_format_strptime_cannot_use_is_refused_before_anything_changes(con, tmp_path, layout):
    path = write(tmp_path / "a.csv", [("a", "fine", "2017")])
    with pytest.raises(IngestError, match=r"--date-format .* use codes such as '%m/%d/%Y'"):
        ingest_file(con, path, date_format=layout)
    assert stored(con) == [] and con.execute("SELECT count(*) FROM reviews_rejected").fetchone()[0] == 0
