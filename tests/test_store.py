"""The store: schema applied idempotently with a version, one writer at a time with a clear message."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from reviewlens.flows.store.connection import (SCHEMA_VERSION, StoreBusy, StoreMissing, connect, migrate, run_script,
                                               sql_files)

CONTRACT_TABLES = {
    "reviews", "reviews_rejected", "review_scores", "review_aspects", "insight_daily", "insight_topics",
    "insight_products", "topic_examples", "emerging_terms", "alerts", "topic_candidates", "runs",
    "model_registry", "schema_version",
}


def add_review(con) -> None:
    con.execute("INSERT INTO reviews (review_id, product_id, rating, body, body_hash, language, created_at, source, ingested_at) "
                "VALUES ('r', 'p', 5, 'b', md5('b'), 'en', now(), 's', now())")


def test_schema_creates_every_contract_table_with_comments(con):
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
    assert CONTRACT_TABLES <= set(tables)
    assert all(tables[t] for t in CONTRACT_TABLES)
    uncommented = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL AND NOT internal "
                              "AND table_name IN (SELECT table_name FROM duckdb_tables())").fetchall()
    assert uncommented == []


def test_applying_the_schema_twice_is_harmless(con):
    add_review(con)
    assert migrate(con) == SCHEMA_VERSION
    assert migrate(con) == SCHEMA_VERSION
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    assert con.execute("SELECT list(version) FROM schema_version").fetchone()[0] == list(range(1, SCHEMA_VERSION + 1))


def test_a_second_writer_gets_a_clear_message(db_path):
    holder = connect(db_path)
    probe = f"from reviewlens.flows.store.connection import connect\nconnect(__import__('pathlib').Path({str(db_path)!r}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    holder.close()
    assert "StoreBusy" in result.stderr
    assert f"another reviewlens run is using {db_path}" in result.stderr


def test_the_cli_reports_a_busy_store_in_one_sentence(db_path, tmp_path):
    holder = connect(db_path)
    csv = tmp_path / "r.csv"
    csv.write_text("review_id,product_id,body,created_at\nr,p,b,2026-01-01\n")
    env = {**os.environ, "REVIEWLENS_HOME": str(db_path.parent)}
    result = subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", "ingest", str(csv)], capture_output=True, text=True, env=env)
    holder.close()
    assert result.returncode == 2
    assert result.stderr.startswith(f"reviewlens: another reviewlens run is using {db_path}")
    assert "Traceback" not in result.stderr


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreMissing, match="run `reviewlens ingest` or `reviewlens demo` first"):
        connect(tmp_path / "none.duckdb", read_only=True)


def test_a_store_made_before_the_views_moved_gets_the_macros_and_views_on_connect(db_path):
    db_path.parent.mkdir(parents=True)
    old = duckdb.connect(str(db_path))                      # tables and versions only, as older code left them
    run_script(old, "schema.sql")
    old.execute("INSERT INTO schema_version (version) SELECT range FROM range(1, ?)", [SCHEMA_VERSION + 1])
    for name in sql_files("migrations"):
        run_script(old, f"migrations/{name}")
    old.close()
    con = connect(db_path)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    macros = {r[0] for r in con.execute("SELECT function_name FROM duckdb_functions() WHERE function_type = 'macro' "
                                        "AND NOT internal").fetchall()}
    assert {"v_reviews_scored", "v_review_topics"} <= views
    assert {"net_sentiment", "net_sentiment_of", "review_age", "active_model"} <= macros
    assert con.execute("SELECT count(*) FROM v_review_topics").fetchone()[0] == 0
    con.close()


def test_a_store_from_before_version_7_gets_the_hash_of_every_body_when_opened(db_path):
    db_path.parent.mkdir(parents=True)
    old = duckdb.connect(str(db_path))                      # version 6, with reviews and no hashes
    run_script(old, "schema.sql")
    old.execute("INSERT INTO schema_version (version) SELECT range FROM range(1, 7)")
    for name in (n for n in sql_files("migrations") if int(n.split("_")[0]) < 7):
        run_script(old, f"migrations/{name}")
    old.execute("INSERT INTO reviews VALUES ('r', 'p', NULL, 5, NULL, 'soft fabric', 'en', now(), NULL, 's', now())")
    old.close()
    con = connect(db_path)
    try:
        assert con.execute("SELECT body_hash FROM reviews").fetchone() == (hashlib.md5(b"soft fabric").hexdigest(),)
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        con.close()


def test_a_transaction_inside_another_joins_it_and_the_outer_one_decides(con):
    from reviewlens.flows.store.connection import transaction

    con.execute("CREATE TABLE t (i INTEGER)")
    with pytest.raises(RuntimeError):
        with transaction(con):
            with transaction(con):                          # e.g. topic discovery inside the insight publication
                con.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("a later step failed")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    with transaction(con):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT list(i) FROM t").fetchone()[0] == [2]


def test_an_error_that_already_ended_the_transaction_is_the_error_raised(con):
    """A failed COMMIT (a full disk) ends DuckDB's transaction: the ROLLBACK that follows must not replace the cause."""
    from reviewlens.flows.store.connection import transaction

    with pytest.raises(OSError, match="No space left on device"):
        with transaction(con):
            con.execute("COMMIT")                           # what a failed commit leaves: no transaction
            raise OSError(28, "No space left on device")
    with transaction(con):                                  # and the connection is usable
        con.execute("CREATE TABLE t (i INTEGER)")


@pytest.mark.parametrize("dropped", ["review_terms", "insight_daily", "review_scores", "alerts"])
def test_a_dropped_derived_table_is_created_again_with_its_current_columns(db_path, dropped):
    con = connect(db_path)
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [dropped]).fetchall()
    add_review(con)
    con.execute(f"DROP TABLE {dropped}")
    con.close()
    con = connect(db_path)
    try:
        assert con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [dropped]).fetchall() == columns
        assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        assert con.execute("SELECT list(version) FROM schema_version").fetchone()[0] == list(range(1, SCHEMA_VERSION + 1))
    finally:
        con.close()


@pytest.mark.parametrize("dropped", ["reviews", "model_registry"])
def test_a_dropped_source_table_is_named_and_not_made_again_empty(db_path, dropped):
    from reviewlens.flows.store.connection import StoreDamaged
    con = connect(db_path)
    con.execute("DROP VIEW IF EXISTS v_review_topics; DROP VIEW IF EXISTS v_reviews_scored")
    con.execute(f"DROP TABLE {dropped}")
    con.close()
    with pytest.raises(StoreDamaged, match=f"the store has lost its table {dropped}; restore the file from a backup"):
        connect(db_path)
    check = duckdb.connect(str(db_path), read_only=True)
    assert dropped not in {t for (t,) in check.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    check.close()
