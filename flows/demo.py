"""`reviewlens demo`: the demo corpora replayed night by night, as a shop's reviews would arrive.

The reviews dated before the first replayed night are loaded first, as the shop's history; then, before each night,
the reviews dated on that day. Each load goes through `ingest_file`, the function `reviewlens ingest` runs, from a
Parquet file of those rows written under <home>/demo/, so every review is validated as a shop's would be. Each
night then scores what arrived since the night before (the first night scores the history too), its topics and
terms move with the new reviews, and the incident scenario's reviews build up over the last nights until its
alert is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.ingest.demo_data import SCENARIOS, write_demo_files
from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.store.connection import connect

if TYPE_CHECKING:
    from reviewlens.flows.nightly.flow import RunSummary

DemoFiles = dict[str, tuple[Path, str]]     # corpus name: (contract-shaped Parquet file, source label)


@dataclass(frozen=True)
class Arrivals:
    """What one load brought: valid reviews new to the store, reviews it already held, rows ingest rejected."""
    new: int = 0
    stored: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class Night:
    """One replayed night: the reviews of its day that arrived before it, and the nightly run's summary."""
    day: date
    arrived: Arrivals
    run: RunSummary


def replayed_nights(run_date: date, count: int) -> list[date]:
    """The `count` nights ending with run_date, oldest first.  replayed_nights(date(2026, 11, 28), 2) ->
    [date(2026, 11, 27), date(2026, 11, 28)]"""
    return [run_date - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def check_options(settings: Settings, history_days: int, scenario: str) -> None:
    """The demo's options as one sentence each, before anything is fetched or written."""
    if history_days < 1:
        raise UserError(f"--history-days must be at least 1 (got {history_days}): the demo replays that many nightly runs.")
    if history_days > settings.demo_days:
        raise UserError(f"--history-days {history_days} is more than the {settings.demo_days} days the demo reviews are "
                        f"dated over, so some nights would have nothing to score; use at most {settings.demo_days} or "
                        "raise the demo_days setting.")
    if scenario not in SCENARIOS:
        raise UserError(f"--scenario {scenario!r} is not a demo scenario; use one of {', '.join(SCENARIOS)}.")


def demo_files(settings: Settings, run_date: date, scenario: str) -> DemoFiles:
    """The demo corpora, fetched (checksums verified) and dated over the demo_days days up to run_date."""
    return write_demo_files(settings.cache_dir, run_date, settings.demo_days, scenario)


def write_slice(files: DemoFiles, start: datetime | None, end: datetime, folder: Path, tag: str) -> list[tuple[Path, str]]:
    """Each corpus's rows created in [start, end) (start None: everything before end) as its own Parquet file in
    `folder`, named `{tag}-{corpus}.parquet`, with its source label; a corpus with no such rows writes nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (path, source) in files.items():
        window = [("created_at", "<", end)] + ([("created_at", ">=", start)] if start is not None else [])
        rows = pd.read_parquet(path, filters=window)
        if len(rows):
            target = folder / f"{tag}-{name}.parquet"
            rows.to_parquet(target, index=False)
            written.append((target, source))
    return written


def ingest_slice(settings: Settings, files: DemoFiles, start: datetime | None, end: datetime, tag: str) -> Arrivals:
    """Ingest the rows of write_slice as `reviewlens ingest` would, one file per corpus; the store is closed after."""
    new = stored = rejected = 0
    with connect(settings.db_path, settings=settings) as con:
        for path, source in write_slice(files, start, end, settings.home / "demo", tag):
            summary = ingest_file(con, path, source=source, settings=settings)
            new += summary.inserted
            stored += summary.updated + summary.unchanged + summary.stale + summary.duplicates_in_file
            rejected += sum(summary.rejected.values())
    return Arrivals(new, stored, rejected)


def load_history(settings: Settings, files: DemoFiles, first_night: date) -> Arrivals:
    """The reviews dated before the first replayed night: the shop's history, scored by that night."""
    return ingest_slice(settings, files, None, _midnight(first_night), f"history-before-{first_night.isoformat()}")


def replay(settings: Settings, files: DemoFiles, nights: list[date],
           run_night: Callable[[date], RunSummary]) -> Iterator[Night]:
    """For each night, oldest first: ingest the reviews dated on its day, then run it (`run_night`, the nightly
    flow for `reviewlens demo`); each Night is yielded as it ends, so its line prints while the next one runs."""
    for day in nights:
        arrived = ingest_slice(settings, files, _midnight(day), _midnight(day + timedelta(days=1)), day.isoformat())
        yield Night(day, arrived, run_night(day))


def nightly_runs(settings: Settings, workers: int | None) -> Callable[[date], RunSummary]:
    """The real nightly flow on the workspace, one run per night."""
    from reviewlens.flows.nightly.flow import nightly

    return lambda day: nightly(day, workers=workers, settings=settings)


def active_version(settings: Settings) -> str | None:
    """The active model's version, or None: the demo trains one when there is none."""
    from reviewlens.flows.store.registry import active_model

    with connect(settings.db_path, settings=settings) as con:
        active = active_model(con)
    return active[0] if active else None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
