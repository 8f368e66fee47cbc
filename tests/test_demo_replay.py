"""`reviewlens demo` replays real nights: the history before the first night is loaded first, then each night the
reviews of its own day arrive, through the same ingest as `reviewlens ingest`, and the nightly flow scores them.

The demo corpora themselves, replayed over seven nights with the incident scenario, are in test_demo_scenario.py;
here are the slices on small files and the replay through the real nightly flow and a trained model."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from reviewlens.flows.config import Settings
from reviewlens.flows.demo import check_options, load_history, nightly_runs, replay, replayed_nights, write_slice
from reviewlens.flows.errors import UserError
from tests.fixtures import write_fixture


def test_the_nights_end_with_the_run_date_oldest_first():
    assert replayed_nights(date(2026, 3, 2), 3) == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]


def corpus(tmp_path, name: str, times: list[str]):
    path = tmp_path / f"{name}.parquet"
    pd.DataFrame({"review_id": [f"{name}-{i}" for i in range(len(times))], "product_id": "p", "body": "fine",
                  "created_at": pd.to_datetime(times, format="ISO8601")}).to_parquet(path, index=False)
    return path, f"{name} source"


def ids(written) -> dict[str, list[str]]:
    return {path.name: sorted(pd.read_parquet(path).review_id) for path, _ in written}


def test_the_history_is_everything_before_the_first_night_and_a_night_gets_only_its_own_day(tmp_path):
    files = {"en": corpus(tmp_path, "en", ["2026-02-27 23:59:59", "2026-02-28 00:00", "2026-02-28 23:59:59", "2026-03-01"]),
             "zh": corpus(tmp_path, "zh", ["2026-01-01", "2026-03-01 12:00"])}
    out = tmp_path / "slices"
    history = write_slice(files, None, datetime(2026, 2, 28), out, "history")
    assert ids(history) == {"history-en.parquet": ["en-0"], "history-zh.parquet": ["zh-0"]}
    night = write_slice(files, datetime(2026, 2, 28), datetime(2026, 3, 1), out, "2026-02-28")
    assert ids(night) == {"2026-02-28-en.parquet": ["en-1", "en-2"]}            # zh has nothing that day: no file
    assert [source for _, source in night] == ["en source"]


def test_a_replay_longer_than_the_demo_data_is_one_sentence():
    with pytest.raises(UserError, match=r"^--history-days 121 is more than the 120 days the demo reviews are dated over"):
        check_options(Settings(), 121, "incident")


@pytest.mark.slow
def test_each_night_of_a_replay_through_the_nightly_flow_scores_what_arrived_that_day(changed_trained_home):
    settings, summary = changed_trained_home
    en, zh = write_fixture(settings.home / "replay-input", prefix="replay-", end=datetime(2026, 11, 30, 23))
    files = {"en": (en, "fixture en"), "zh": (zh, "fixture zh")}
    nights = replayed_nights(date(2026, 11, 30), 2)
    history = load_history(settings, files, nights[0])
    assert history.new > 0 and history.rejected == 0
    first, second = replay(settings, files, nights, nightly_runs(settings, 0))
    assert first.arrived.new > 0 and first.run.scored >= history.new + first.arrived.new    # and whatever was unscored
    assert second.arrived.new > 0 and second.run.scored == second.arrived.new
    assert (second.day, second.run.run_date, second.run.model_version) == (nights[1], nights[1], summary.version)
    assert (settings.home / "demo" / "2026-11-30-zh.parquet").is_file()
