"""Dashboard data out of DuckDB (reports/ never touches the database) and the pages written from it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import query
from reviewlens.reports.dashboard import LEADERBOARD_SIZE, ReportData, write_history_page, write_run_page

QUERIES = ("headline", "daily", "topics", "products", "product_examples", "product_topics", "product_weekly", "examples",
           "alerts", "alert_reviews", "movers", "emerging", "candidates", "model", "demo_sources")
MOVER_MIN_MENTIONS = 20          # mentions a topic needs in both weeks to be listed as moving


def load_report_data(con: duckdb.DuckDBPyConnection, run_date: date, run_id: str | None) -> ReportData:
    params = {"run_date": run_date, "leaderboard_size": LEADERBOARD_SIZE, "min_mentions": MOVER_MIN_MENTIONS}
    frames = {name: query(con, f"report/{name}.sql", params) for name in QUERIES}
    return ReportData(run_date=run_date, run_id=run_id, **frames)


def write_reports(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, run_id: str | None,
                  standalone: bool = False) -> Path:
    """The run page under reports/<run-date>/ (or one self-contained file), then the history index."""
    data = load_report_data(con, run_date, run_id)
    page = write_run_page(data, settings.reports_dir, standalone=standalone)
    if run_id is not None:
        con.execute("UPDATE runs SET headline = ? WHERE run_id = ?", [json.dumps(data.headline_figures()), run_id])
    if not standalone:
        write_history_page(query(con, "report/runs.sql", {"run_id": run_id or ""}), data.daily, settings.reports_dir)
    return page
