"""Dashboard data out of DuckDB (reports/ never touches the database) and the pages written from it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.nightly.insights import RANKING_DAYS
from reviewlens.flows.store.connection import query, run_script
from reviewlens.models.atomic import atomic_path
from reviewlens.reports.dashboard import LEADERBOARD_SIZE, ReportData, history_page, run_page_files, shared_files

QUERIES = ("headline", "daily", "topics", "products", "product_examples", "product_topics", "product_weekly", "examples",
           "alerts", "alert_reviews", "movers", "emerging", "candidates", "model", "demo_sources")
MOVER_MIN_MENTIONS = 20          # mentions a topic needs in both weeks to be listed as moving


def insights_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The day the insight tables hold (they are rebuilt whole for one run date), None before the first run."""
    value = query(con, "report/as_of.sql")["as_of"].iloc[0]
    return None if value is None or value != value else value.date() if hasattr(value, "date") else value


def check_report_date(con: duckdb.DuckDBPyConnection, wanted: date | None) -> date:
    """The date a page can be written for: the insight tables' own, which `wanted` must match (a page mixing
    another day's products, topics and terms with this one's would be wrong without saying so)."""
    as_of = insights_as_of(con)
    if as_of is None:
        raise UserError("there are no insight tables yet; `reviewlens run` builds them and writes the page.")
    if wanted is not None and wanted != as_of:
        raise UserError(f"the insight tables hold the figures of {as_of}, not {wanted}: `reviewlens report --date {as_of}` "
                        f"rewrites that page, and `reviewlens run --date {wanted}` writes the page for {wanted} "
                        f"(a backfill: the tables keep {as_of}'s figures).")
    return as_of


def load_report_data(con: duckdb.DuckDBPyConnection, run_date: date, run_id: str | None,
                     latest: date | None = None) -> ReportData:
    params = {"run_date": run_date, "leaderboard_size": LEADERBOARD_SIZE, "min_mentions": MOVER_MIN_MENTIONS}
    frames = {name: query(con, f"report/{name}.sql", params) for name in QUERIES}
    return ReportData(run_date=run_date, run_id=run_id, ranking_days=RANKING_DAYS, latest=latest, **frames)


def write_run_report(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, run_id: str | None,
                     standalone: bool = False, latest: date | None = None) -> tuple[Path, dict]:
    """The run page under reports/<run-date>/ (or one self-contained file) and its headline figures; `latest`
    names the newest night on the page of a backfill."""
    data = load_report_data(con, run_date, run_id, latest)
    if not standalone:
        write_shared_files(settings.reports_dir)
    files = run_page_files(data, standalone)
    write_files(settings.reports_dir, files)
    return settings.reports_dir / list(files)[-1], data.headline_figures()


def record_headline(con: duckdb.DuckDBPyConnection, run_id: str, headline: dict) -> None:
    run_script(con, "runs/headline.sql", {"run_id": run_id, "headline": json.dumps(headline)})


def write_history(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """reports/index.html: every completed run, and the long-run trend up to the night the insight tables hold,
    the newest (a backfill's earlier night never ends it)."""
    as_of = insights_as_of(con)
    daily = query(con, "report/daily.sql", {"run_date": as_of or date.max})
    pages = {path.relative_to(settings.reports_dir).as_posix() for path in settings.reports_dir.glob("*/index.html")}
    path = settings.reports_dir / "index.html"
    write_shared_files(settings.reports_dir)
    write_files(settings.reports_dir, {path.name: history_page(query(con, "report/runs.sql"), daily, pages)})
    return path


def write_shared_files(folder: Path) -> None:
    """The files every page that is not standalone links to (plotly), written once."""
    write_files(folder, {name: text for name, text in shared_files().items() if not (folder / name).exists()})


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Each file (by path relative to folder) replaced whole, in order, so a page comes after what it links to:
    a browser or web server never reads half of one."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")


def write_reports(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, run_id: str | None,
                  standalone: bool = False) -> Path:
    """The run page (or one self-contained file), then the history index: what `reviewlens report` rewrites."""
    page, headline = write_run_report(con, settings, run_date, run_id, standalone)
    if run_id is not None:
        record_headline(con, run_id, headline)
    if not standalone:
        write_history(con, settings)
    return page
