"""Shared fixtures: small real DuckDB stores in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows.config import load_settings
from reviewlens.flows.store.connection import connect


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

    from reviewlens.flows.ingest.demo_data import write_demo_files

    files = write_demo_files(load_settings().cache_dir.resolve(), date(2026, 11, 28), 120)
    frame = pd.concat([pd.read_parquet(path) for path, _ in files.values()], ignore_index=True)
    return frame[frame.body.fillna("").str.strip() != ""].reset_index(drop=True)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (starting one costs 12-25 s on 2 cores)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def trained_home(tmp_path_factory, prefect_harness):
    """A workspace with the template fixture ingested and a `tiny` model trained by the real train flow."""
    from reviewlens.flows.config import Settings
    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.training.flow import train_flow
    from tests.fixtures import write_fixture

    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home)
    con = connect(settings.db_path)
    for path in write_fixture(home / "input"):
        ingest_file(con, path)
    con.close()
    summary = train_flow(settings, "tiny")
    return settings, summary
