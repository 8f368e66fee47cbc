"""The SQL files: each shared rule written once (sql/macros.sql), every INSERT names its columns, and every
insight file declares the table it fills."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from reviewlens.flows.nightly.insights import fills, insight_files

SQL = Path(__file__).resolve().parents[1] / "sql"


def sql_sources() -> dict[str, str]:
    """Every .sql file under sql/ without its comment lines, by path relative to sql/."""
    return {str(p.relative_to(SQL)): "\n".join(line for line in p.read_text(encoding="utf-8").splitlines()
                                               if not line.lstrip().startswith("--"))
            for p in sorted(SQL.rglob("*.sql"))}


def test_every_insert_names_its_columns():
    inserts = [(path, m.group(1), m.group(2)) for path, text in sql_sources().items()
               for m in re.finditer(r"INSERT\s+INTO\s+(\w+)\s*(\(|BY\s+NAME\b)?", text, flags=re.I)]
    assert inserts and [(path, table) for path, table, names in inserts if not names] == []


@pytest.mark.parametrize("rule, pattern", [
    ("net sentiment", r"positive[^;\n]*-[^;\n]*negative[^;\n]*\*\s*100"),
    ("review age", r"date_diff\(\s*'day'"),
    ("active model", r"FROM\s+model_registry\s+WHERE\s+active\s*\)"),
    ("which clause speaks for a topic", r"arg_max\([^)]*abs\(|sentiment\s*=\s*'negative'\s*,\s*-"),
])
def test_each_shared_rule_is_written_once_in_the_macros(rule, pattern):
    written = [path for path, text in sql_sources().items() if re.search(pattern, text, flags=re.I)]
    assert written == ["macros.sql"]


@pytest.mark.parametrize("name", insight_files())
def test_each_insight_file_rebuilds_the_table_it_declares(con, name):
    table = fills(name)
    text = sql_sources()[f"insights/{name}"]
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0] == 1
    assert re.findall(r"INSERT\s+INTO\s+(\w+)", text, flags=re.I) == [table]
    assert re.findall(r"DELETE\s+FROM\s+(\w+)", text, flags=re.I) == [table]


def test_shared_macros_give_known_answers(con):
    con.execute("INSERT INTO model_registry (model_version, created_at, path, active) VALUES "
                "('old', now(), '/a', false), ('new', now(), '/b', true)")
    got = con.execute("SELECT net_sentiment(6, 2, 10), net_sentiment(0, 0, 0), review_age(?, ?), active_model()",
                      [datetime(2026, 11, 20, 23, 59), date(2026, 11, 28)]).fetchone()
    assert got == (40.0, None, 8, "new")
    rows = "(VALUES ('positive', 1), ('positive', 2), ('negative', 9), ('neutral', 3)) t(sentiment, age)"
    assert con.execute(f"SELECT net_sentiment_of(sentiment), net_sentiment_of(sentiment, age < 7), "
                       f"net_sentiment_of(sentiment, age > 99) FROM {rows}").fetchone() == (25.0, pytest.approx(200 / 3), None)


def test_confidence_macros_give_known_answers(con):
    got = con.execute("SELECT wilson_lower(10, 10), wilson_lower(80, 100), wilson_upper(0, 10), wilson_lower(5, 10), "
                      "wilson_upper(5, 10), wilson_lower(0, 0), two_proportion_z(30, 60, 20, 200)").fetchone()
    assert got[:5] == pytest.approx((0.72246, 0.71117, 0.27754, 0.23659, 0.76341), abs=1e-5)
    assert got[5] is None and got[6] == pytest.approx(6.8951, abs=1e-4)


@pytest.mark.parametrize("product_id, category, rankable", [
    ("wc-1078", "Dresses", True), ("snownlp-unknown-product", None, False), ("wc-1", None, False),
    ("wc-1", "  ", False), ("placeholder", "Dresses", False), ("unknownish-brand", "Dresses", True),
])
def test_placeholder_products_are_not_rankable(con, product_id, category, rankable):
    assert con.execute("SELECT rankable_product(?, ?), category_label(?)", [product_id, category, category]).fetchone() == (
        rankable, category.strip() or "uncategorised" if category else "uncategorised")
