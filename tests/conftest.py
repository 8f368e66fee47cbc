"""Shared fixtures: small real DuckDB stores in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows.config import load_settings
from reviewlens.flows.store.connection import connect
from tests.fixtures import restoring

# Test downloads (the demo and cross-domain wheels) go to a cache outside the repo's var/, reused by every run and
# every checkout: ~/.cache/reviewlens-tests unless REVIEWLENS_CACHE names another folder (commands run by tests too).
os.environ.setdefault("REVIEWLENS_CACHE", str(Path.home() / ".cache" / "reviewlens-tests"))


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
    """The real demo corpora in contract columns (downloaded once into the test download cache, then reused)."""
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
def prefect_api(prefect_harness) -> str:
    """The session's Prefect API, for `reviewlens` commands run as their own processes (no server each)."""
    from prefect.settings import PREFECT_API_URL
    return PREFECT_API_URL.value()


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


@pytest.fixture
def changed_trained_home(trained_home):
    """trained_home for a test that changes it: the store, models and reports are put back afterwards, pass or fail."""
    settings, summary = trained_home
    with restoring(settings):
        yield settings, summary
