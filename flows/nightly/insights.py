"""Rebuild every insight table from sql/insights/*.sql, in file order, as one transaction: all or nothing.

Each file starts with `-- fills: <table>`, the table it rebuilds: adding an insight table is adding a file.
sql/rebuild/*.sql run first: temporary tables several insight files share (computed once, dropped after)."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import run_script, sql_files, sql_text, transaction
from reviewlens.models.terms import STOP_WORDS

_FILLS = re.compile(r"--\s*fills:\s*(\w+)\s*$")
SHARED_TABLES = ("rebuild_topics",)        # the temporary tables sql/rebuild/*.sql create
RANKING_DAYS = 90                          # the product ranks' window: a product not reviewed in it is not ranked


def insight_files() -> list[str]:
    return sql_files("insights")


def fills(name: str) -> str:
    """The table an insight file declares on its first line.  fills('10_insight_daily.sql') -> 'insight_daily'"""
    first = sql_text(f"insights/{name}").partition("\n")[0]
    if not (match := _FILLS.match(first)):
        raise ValueError(f"sql/insights/{name} must start with `-- fills: <table>` naming the table it rebuilds.")
    return match.group(1)


def insight_params(settings: Settings, run_date: date) -> dict:
    return {
        "run_date": run_date, "min_alert_volume": settings.min_alert_volume, "alert_z": settings.alert_z,
        "min_product_reviews": settings.min_product_reviews, "min_topic_mentions": settings.min_topic_mentions,
        "examples_per_topic": settings.examples_per_topic, "min_term_count": settings.min_term_count,
        "emerging_term_z": settings.emerging_term_z, "ranking_days": RANKING_DAYS,
        "stop_words": sorted(STOP_WORDS),
    }


def rebuild_insights(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> dict[str, int]:
    """Rows each insight file wrote, by the table it fills (alerts: the run date's); a failure leaves the
    previous tables intact. The emerging terms count the words in review_terms, which the night's
    `index_review_terms` step wrote before this one (segmenting Chinese takes Python, counting words is SQL)."""
    params = insight_params(settings, run_date)
    with transaction(con):
        for name in sql_files("rebuild"):
            run_script(con, f"rebuild/{name}", params)
        counts = {fills(name): run_script(con, f"insights/{name}", params) for name in insight_files()}
        for table in SHARED_TABLES:
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return counts
