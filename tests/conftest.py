"""Shared fixtures: small real DuckDB stores in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.config import load_settings
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


@pytest.fixture(scope="session")
def demo_frame() -> pd.DataFrame:
    """The real demo corpora in contract columns (downloaded once into ./var/cache, then reused)."""
    from datetime import date

    from flows.demo_data import write_demo_files

    files = write_demo_files(load_settings().cache_dir.resolve(), date(2026, 11, 28), 120)
    frame = pd.concat([pd.read_parquet(path) for path, _ in files.values()], ignore_index=True)
    return frame[frame.body.fillna("").str.strip() != ""].reset_index(drop=True)
