"""`reviewlens sql`: read-only queries, writes refused before the store is touched."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.readonly_sql import QueryRefused, query_table, run_query


@pytest.fixture
def store(con, db_path):
    con.execute("INSERT INTO reviews VALUES ('r1', 'p', NULL, 5, NULL, 'good', 'en', '2026-10-01', NULL, 's', now())")
    con.close()
    return db_path


def test_a_select_returns_rows(store):
    assert query_table(store, "SELECT review_id, rating FROM reviews").to_pylist() == [{"review_id": "r1", "rating": 5}]


@pytest.mark.parametrize("query", [
    "DELETE FROM reviews",
    "INSERT INTO reviews SELECT * FROM reviews",
    "UPDATE reviews SET rating = 1",
    "DROP TABLE reviews",
    "COPY reviews TO 'out.csv'",
    "ATTACH 'other.duckdb'",
    "SELECT 1; DELETE FROM reviews",
])
def test_writes_are_refused_and_change_nothing(store, query):
    with pytest.raises(QueryRefused, match="read-only"):
        query_table(store, query)
    assert query_table(store, "SELECT count(*) AS n FROM reviews").to_pylist() == [{"n": 1}]


def test_reading_files_from_a_query_is_refused(store, tmp_path):
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(QueryRefused, match="failed"):
        query_table(store, f"SELECT * FROM read_csv('{tmp_path / 'x.csv'}')")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_results_can_be_written_to_a_file(store, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    run_query(store, "SELECT review_id FROM reviews", fmt, target, Console(file=open(tmp_path / "log", "w")))
    if fmt == "csv":
        assert target.read_text().splitlines() == ['"review_id"', '"r1"']
    elif fmt == "jsonl":
        assert json.loads(target.read_text()) == {"review_id": "r1"}
    else:
        import pyarrow.parquet as pq
        assert pq.read_table(target).to_pylist() == [{"review_id": "r1"}]


def test_the_json_lines_format_is_called_jsonl(store, tmp_path):
    with pytest.raises(UserError, match="not one of table, csv, jsonl"):
        run_query(store, "SELECT review_id FROM reviews", "json", tmp_path / "out.json", Console(file=open(tmp_path / "log", "w")))
