"""`reviewlens report --date D` shows D's figures or says what it can do: insight tables hold one day at a time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reviewlens.flows.errors import UserError
from reviewlens.flows.nightly.dashboards import check_report_date
from reviewlens.flows.nightly.flow import nightly
from reviewlens.flows.store.connection import connect

RUN_DATE = date(2026, 11, 28)



@pytest.mark.slow
def test_a_page_is_written_only_for_the_day_the_insight_tables_hold(changed_trained_home):
    settings, _ = changed_trained_home
    with connect(settings.db_path) as con:
        con.execute("DELETE FROM insight_topics"), con.execute("DELETE FROM runs")
        with pytest.raises(UserError, match="no insight tables yet"):
            check_report_date(con, None)
    nightly(RUN_DATE, str(settings.home))
    with connect(settings.db_path) as con:
        assert check_report_date(con, None) == RUN_DATE               # no date: the day the tables hold
        assert check_report_date(con, RUN_DATE) == RUN_DATE
        earlier = RUN_DATE - timedelta(days=3)
        with pytest.raises(UserError, match=f"hold the figures of {RUN_DATE}.*reviewlens run --date {earlier}"):
            check_report_date(con, earlier)
    later = RUN_DATE + timedelta(days=60)               # no review in its last weeks: no topic period ends on it
    summary = nightly(later, str(settings.home))
    assert summary.newest_review <= RUN_DATE and f"`reviewlens run --date {summary.newest_review}`" in summary.stale_note()
    with connect(settings.db_path) as con:
        assert con.execute("SELECT max(period_end)::DATE FROM insight_topics").fetchone()[0] < later - timedelta(days=7)
        assert check_report_date(con, None) == later
