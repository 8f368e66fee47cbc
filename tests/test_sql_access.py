"""`reviewlens sql`: read-only queries, writes refused before the store is touched."""

from __future__ import annotations

import json
import time

import duckdb
import pytest
from rich.console import Console

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.readonly_sql import QueryRefused, run_query, sandbox
from tests.helpers import query_table


@pytest.fixture
def store(con, db_path):
    con.execute("INSERT INTO reviews (review_id, product_id, rating, body, language, created_at, source, ingested_at) "
                "VALUES ('r1', 'p', 5, 'good', 'en', '2026-10-01', 's', now())")
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
        assert [json.loads(line) for line in target.read_text().splitlines()] == [{"review_id": "r1"}]
    else:
        import pyarrow.parquet as pq
        assert pq.read_table(target).to_pylist() == [{"review_id": "r1"}]


def test_the_json_lines_format_is_called_jsonl(store, tmp_path):
    with pytest.raises(UserError, match="not one of table, csv, jsonl"):
        run_query(store, "SELECT review_id FROM reviews", "json", tmp_path / "out.json", Console(file=open(tmp_path / "log", "w")))


def quiet(tmp_path) -> Console:
    return Console(file=open(tmp_path / "log", "w"), width=200)


@pytest.mark.parametrize("query", [
    "EXPLAIN ANALYZE INSERT INTO reviews SELECT * FROM reviews",
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
    "EXPLAIN DELETE FROM reviews",
    "-- a comment first\nEXPLAIN  analyze  UPDATE reviews SET rating = 1",
    "EXPLAIN ANALYZE /* hidden */ DELETE FROM reviews",
    "SELECT 1; SELECT 2",
    "SET memory_limit = '100GB'",
    "PRAGMA version",
    "CALL pragma_version()",
    "CHECKPOINT",
])
def test_only_plain_queries_pass_the_statement_check(store, query):
    with pytest.raises(QueryRefused, match="read-only and refuses"):       # the check, before the store is opened
        query_table(store, query)
    assert query_table(store, "SELECT count(*) AS n FROM reviews").to_pylist() == [{"n": 1}]


@pytest.mark.parametrize("query, rows", [
    ("WITH x AS (SELECT 1 AS a) SELECT a FROM x", [{"a": 1}]),
    ("VALUES (1), (2)", [{"col0": 1}, {"col0": 2}]),
    ("FROM reviews SELECT review_id", [{"review_id": "r1"}]),
    ("-- the reviews\nSELECT review_id FROM reviews;", [{"review_id": "r1"}]),
])
def test_plain_queries_run(store, query, rows):
    assert query_table(store, query).to_pylist() == rows


@pytest.mark.parametrize("query", ["EXPLAIN SELECT * FROM reviews", "EXPLAIN ANALYZE SELECT count(*) FROM reviews"])
def test_explaining_a_query_runs(store, query):
    assert query_table(store, query).num_rows >= 1


@pytest.mark.parametrize("statement", [
    "EXPLAIN ANALYZE INSERT INTO reviews SELECT * FROM reviews",
    "EXPLAIN ANALYZE DELETE FROM reviews",
    "INSERT INTO reviews SELECT * FROM reviews",
    "DELETE FROM reviews",
    "SET memory_limit = '100GB'",
    "SET enable_external_access = true",
])
def test_the_connection_itself_refuses_what_would_slip_past_the_check(store, statement):
    with sandbox(store) as con:
        with pytest.raises(duckdb.Error):
            con.execute(statement)
            con.fetchall()
    assert query_table(store, "SELECT count(*) AS n FROM reviews").to_pylist() == [{"n": 1}]


def test_the_connection_cannot_read_files(store, tmp_path):
    (tmp_path / "x.csv").write_text("a\n1\n")
    with sandbox(store) as con, pytest.raises(duckdb.Error):
        con.execute(f"SELECT * FROM read_csv('{tmp_path / 'x.csv'}')")


def test_a_huge_result_shows_its_first_rows_without_being_read_whole(store, tmp_path):
    started = time.monotonic()
    run_query(store, "SELECT range AS n FROM range(1000000000000)", "table", None, quiet(tmp_path), timeout=60)
    assert time.monotonic() - started < 30
    log = (tmp_path / "log").read_text()
    assert "│ 199 │" in log and "│ 200 │" not in log
    assert "more than 200 rows; first 200 shown" in log


def test_a_query_past_its_time_limit_is_stopped_with_a_sentence(store, tmp_path):
    started = time.monotonic()
    with pytest.raises(QueryRefused, match=r"ran longer than 1 s and was stopped; .*--timeout"):
        run_query(store, "SELECT count(*) FROM range(100000000000)", "table", None, quiet(tmp_path), timeout=1)
    assert time.monotonic() - started < 20


def test_a_query_past_the_memory_limit_is_stopped_with_a_sentence(store, tmp_path):
    with pytest.raises(QueryRefused, match=r"needs more than 64MB of memory"):
        run_query(store, "SELECT list(range) FROM range(100000000)", "table", None, quiet(tmp_path), memory_limit="64MB")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_results_larger_than_one_batch_are_written_whole(store, tmp_path, fmt):
    target = tmp_path / f"big.{fmt}"
    run_query(store, "SELECT range AS n FROM range(300000)", fmt, target, quiet(tmp_path))
    if fmt == "csv":
        assert target.read_text().splitlines()[1:4] == ["0", "1", "2"] and len(target.read_text().splitlines()) == 300_001
    elif fmt == "jsonl":
        lines = [json.loads(line) for line in target.read_text().splitlines()]
        assert len(lines) == 300_000 and lines[-1] == {"n": 299_999}
    else:
        import pyarrow.parquet as pq
        assert pq.read_table(target).num_rows == 300_000
    assert "wrote 300,000 rows" in (tmp_path / "log").read_text()


def test_a_timeout_must_be_positive(store, tmp_path):
    with pytest.raises(UserError, match="--timeout must be more than 0 seconds"):
        run_query(store, "SELECT 1", "table", None, quiet(tmp_path), timeout=0)


def test_an_output_onto_the_store_is_refused_and_the_store_is_untouched(store, tmp_path):
    size = store.stat().st_size
    with pytest.raises(UserError, match=r"would overwrite reviewlens's own .*reviewlens.duckdb; write the result somewhere else"):
        run_query(store, "SELECT 1 AS a", "csv", store, quiet(tmp_path))
    assert store.stat().st_size == size
    assert query_table(store, "SELECT count(*) AS n FROM reviews").to_pylist() == [{"n": 1}]


@pytest.mark.parametrize("where", ["models/v1/model.safetensors", "models", "reviewlens.duckdb.wal"])
def test_an_output_inside_the_workspace_models_or_log_is_refused(store, tmp_path, where):
    models = store.parent / "models"
    (models / "v1").mkdir(parents=True)
    (models / "v1" / "model.safetensors").write_bytes(b"weights")
    with pytest.raises(UserError, match="would overwrite reviewlens's own|is a folder"):
        run_query(store, "SELECT 1 AS a", "csv", store.parent / where, quiet(tmp_path), protected=(models,))
    assert (models / "v1" / "model.safetensors").read_bytes() == b"weights"


def test_an_output_onto_any_duckdb_database_is_refused(store, tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(UserError, match="is a DuckDB database; write the result to a new file"):
        run_query(store, "SELECT 1 AS a", "csv", other, quiet(tmp_path))


@pytest.mark.parametrize("target, message", [
    ("", "is a folder; name a file in it"),
    ("no/such/folder/out.csv", "does not exist; create it first"),
])
def test_a_folder_or_a_missing_folder_as_output_is_one_sentence(store, tmp_path, target, message):
    with pytest.raises(UserError, match=message):
        run_query(store, "SELECT 1 AS a", "csv", tmp_path / target, quiet(tmp_path))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_an_output_is_replaced_only_by_a_complete_result(store, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    target.write_text("yesterday's result\n")
    with pytest.raises(QueryRefused, match="ran longer than 1 s"):          # stopped while rows are being written
        run_query(store, "SELECT range AS n, repeat('x', 200) AS pad FROM range(100000000000)", fmt, target,
                  quiet(tmp_path), timeout=1)
    with pytest.raises(QueryRefused, match="the query failed: .*row 500001 is broken"):    # fails mid-stream
        run_query(store, "SELECT range AS n, CASE WHEN range > 500000 THEN error('row 500001 is broken') END AS e "
                         "FROM range(1000000)", fmt, target, quiet(tmp_path))
    assert target.read_text() == "yesterday's result\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out.")) == [target.name]
