"""DuckDB's memory cap, threads and spill folder come from the settings, so a night's memory does not grow with
the store (DuckDB's own default caches up to 80% of the machine's RAM)."""

from __future__ import annotations

import pytest

from reviewlens.flows.config import ConfigError, Settings, load_settings
from reviewlens.flows.store.connection import connect


def setting(con, name: str):
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_the_default_caps_duckdb_memory_at_the_setting(db_path):
    con = connect(db_path, settings=Settings())
    assert setting(con, "memory_limit") == "488.2 MiB"            # 512MB, as DuckDB prints it
    con.close()


def test_memory_threads_and_spill_folder_follow_the_settings(db_path, tmp_path):
    con = connect(db_path, settings=Settings(db_memory_limit="300MB", db_threads=1, db_temp_directory=str(tmp_path / "spill")))
    assert (setting(con, "memory_limit"), setting(con, "threads"), setting(con, "temp_directory")) == (
        "286.1 MiB", 1, str(tmp_path / "spill"))
    con.close()


def test_without_settings_connect_reads_them_like_every_command(db_path, monkeypatch):
    monkeypatch.setenv("REVIEWLENS_DB_MEMORY_LIMIT", "200MB")
    assert load_settings().db_memory_limit == "200MB"
    con = connect(db_path, read_only=False)
    assert setting(con, "memory_limit") == "190.7 MiB"
    con.close()


@pytest.mark.parametrize("bad", [{"db_memory_limit": "lots"}, {"db_memory_limit": "1GB'; DROP TABLE reviews; --"},
                                 {"db_threads": -1}])
def test_a_bad_limit_is_a_sentence_naming_the_setting_and_leaves_the_store_closed(db_path, bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        connect(db_path, settings=Settings(**bad))
    connect(db_path).close()                                         # not left open (nor locked) by the failed attempt
