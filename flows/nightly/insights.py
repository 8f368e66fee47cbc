"""Rebuild every insight table from sql/insights/*.sql, in file order, as one transaction: all or nothing."""

from __future__ import annotations

from datetime import date
from importlib import resources

import duckdb

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import run_script, transaction


def insight_files() -> list[str]:
    return sorted(p.name for p in resources.files("reviewlens.sql").joinpath("insights").iterdir() if p.name.endswith(".sql"))


def insight_params(settings: Settings, run_date: date) -> dict:
    return {
        "run_date": run_date, "min_alert_volume": settings.min_alert_volume, "alert_z": settings.alert_z,
        "min_product_reviews": settings.min_product_reviews, "min_topic_mentions": settings.min_topic_mentions,
        "examples_per_topic": settings.examples_per_topic, "min_term_count": settings.min_term_count,
    }


def rebuild_insights(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> dict[str, int]:
    """Row counts per insight table after the rebuild; a failure leaves the previous tables intact."""
    params = insight_params(settings, run_date)
    with transaction(con):
        for name in insight_files():
            run_script(con, f"insights/{name}", params)
    tables = ["insight_daily", "insight_topics", "insight_products", "topic_examples", "emerging_terms"]
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    counts["alerts"] = con.execute("SELECT count(*) FROM alerts WHERE run_date = ?", [run_date]).fetchone()[0]
    return counts
