"""Shared fixtures: small real DuckDB stores in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.store import connect


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "reviewlens.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = connect(db_path)
    yield connection
    connection.close()


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
