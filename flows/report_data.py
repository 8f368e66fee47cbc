"""Dashboard data out of DuckDB (reports/ never touches the database) and the pages written from it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from flows.config import Settings
from flows.store import sql_text
from reports.dashboard import ReportData, write_history_page, write_run_page

QUERIES = ("headline", "daily", "topics", "products", "product_examples", "product_topics", "examples", "alerts",
           "emerging", "candidates", "model")


def load_report_data(con: duckdb.DuckDBPyConnection, run_date: date, run_id: str | None) -> ReportData:
    frames = {name: con.execute(sql_text(f"report/{name}.sql"), _params(name, run_date)).fetchdf() for name in QUERIES}
    return ReportData(run_date=run_date, run_id=run_id, **frames)


def _params(name: str, run_date: date) -> dict | None:
    return {"run_date": run_date} if "$run_date" in sql_text(f"report/{name}.sql") else None


def write_reports(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, run_id: str | None,
                  standalone: bool = False) -> Path:
    """The run page under reports/<run-date>/ (or one self-contained file), then the history index."""
    data = load_report_data(con, run_date, run_id)
    page = write_run_page(data, settings.reports_dir, standalone=standalone)
    if run_id is not None:
        con.execute("UPDATE runs SET headline = ? WHERE run_id = ?", [json.dumps(data.headline_figures()), run_id])
    if not standalone:
        runs = con.execute(sql_text("report/runs.sql"), {"run_id": run_id or ""}).fetchdf()
        daily = con.execute(sql_text("report/daily.sql"), {"run_date": run_date}).fetchdf()
        write_history_page(runs, daily, settings.reports_dir)
    return page
