"""Settings: defaults that work, a TOML file over them, REVIEWLENS_* variables over both; a value a setting cannot
use stops the command at load time with one sentence naming the setting, what it got and what it takes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from reviewlens.flows.config import ConfigError, Settings, load_settings


def load(tmp_path: Path, text: str = "", env: dict[str, str] | None = None) -> Settings:
    config = tmp_path / "reviewlens.toml"
    config.write_text(text)
    return load_settings(config, env=env or {})


def test_defaults_work_with_no_file_and_no_environment(tmp_path):
    settings = load_settings(tmp_path / "absent.toml", env={})
    assert settings == Settings()
    assert settings.db_path == Path("var/reviewlens.duckdb")
    assert date.fromisoformat(settings.created_at_floor) == date(2000, 1, 1)


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path):
    config = tmp_path / "reviewlens.toml"
    config.write_text('home = "/data/rl"\ndemo_days = 30\n')
    assert load_settings(config, env={}).home == Path("/data/rl")
    settings = load_settings(config, env={"REVIEWLENS_HOME": "/elsewhere", "REVIEWLENS_DEMO_DAYS": "60"})
    assert (settings.home, settings.demo_days, settings.db_path) == (Path("/elsewhere"), 60, Path("/elsewhere/reviewlens.duckdb"))


# Every setting at an edge of what it takes, as text: what a REVIEWLENS_* variable holds, and (quoted where the
# setting is text) what the config file says.
EDGES = {
    "home": "/srv/rl", "demo_days": "1", "score_batch_tokens": "512", "score_precision": "int8", "score_threads": "0",
    "score_prefetch_texts": "0", "device": "cuda:1", "min_alert_volume": "1", "alert_z": "0.5", "min_product_reviews": "1",
    "min_topic_mentions": "1", "examples_per_topic": "0", "min_term_count": "1", "emerging_term_z": "2",
    "discovery_sample": "0", "timezone": "Europe/Berlin", "cache": "", "db_memory_limit": "16MB", "db_threads": "0",
    "db_temp_directory": "/tmp/spill", "shard_reviews": "1", "workers": "0", "dask_address": "tcp://10.0.0.5:8786",
    "shard_dir": "s3://bucket/shards", "allocator": "lean", "worker_threads": "0", "store_wait_seconds": "0",
    "created_at_floor": "2015-06-30",
}


def test_a_good_config_setting_everything_loads_the_same_from_the_file_and_from_the_environment(tmp_path):
    assert set(EDGES) == {f.name for f in fields(Settings)}
    numbers = {f.name for f in fields(Settings) if f.type in ("int", "float")}
    text = "".join(f"{name} = {value if name in numbers else repr(value)}\n" for name, value in EDGES.items())
    from_file = load(tmp_path, text)
    assert (from_file.home, from_file.emerging_term_z, from_file.device, from_file.db_memory_limit) == (
        Path("/srv/rl"), 2.0, "cuda:1", "16MB")
    assert isinstance(from_file.emerging_term_z, float)
    assert from_file == load(tmp_path, "", {f"REVIEWLENS_{name.upper()}": value for name, value in EDGES.items()})


def test_a_toml_date_is_a_date_setting_written_as_text(tmp_path):
    assert load(tmp_path, "created_at_floor = 2010-03-01\n").created_at_floor == "2010-03-01"


def test_the_configured_limits_are_checked_however_settings_are_built():
    with pytest.raises(ConfigError, match=r"setting 'workers' must be a whole number from 0 up, got -1\."):
        Settings(workers=-1)


@pytest.mark.parametrize("text, env, message", [
    ("demo_days = 3\ncolour = 'red'\n", {}, r"unknown settings \['colour'\]"),
    ("demo_days = [\n", {}, "not valid TOML"),
    ("score_commit_reviews = 512\n", {}, "rename score_commit_reviews to shard_reviews"),
])
def test_a_config_file_that_cannot_be_read_says_why(tmp_path, text, env, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text, env)


# What a user sees for each bad value: the whole sentence. {file} is the config file's path.
BAD_ENV = [
    ("SCORE_BATCH_TOKENS", "-5", "setting 'score_batch_tokens' must be a whole number from 512 up, got '-5' (from REVIEWLENS_SCORE_BATCH_TOKENS)."),
    ("SCORE_BATCH_TOKENS", "0", "setting 'score_batch_tokens' must be a whole number from 512 up, got '0' (from REVIEWLENS_SCORE_BATCH_TOKENS)."),
    ("SCORE_BATCH_TOKENS", "1", "setting 'score_batch_tokens' must be a whole number from 512 up, got '1' (from REVIEWLENS_SCORE_BATCH_TOKENS)."),
    ("SCORE_BATCH_TOKENS", "8", "setting 'score_batch_tokens' must be a whole number from 512 up, got '8' (from REVIEWLENS_SCORE_BATCH_TOKENS)."),
    ("MIN_ALERT_VOLUME", "3.7", "setting 'min_alert_volume' must be a whole number from 1 up, got '3.7' (from REVIEWLENS_MIN_ALERT_VOLUME)."),
    ("DEMO_DAYS", "many", "setting 'demo_days' must be a whole number from 1 up, got 'many' (from REVIEWLENS_DEMO_DAYS)."),
    ("ALERT_Z", "nan", "setting 'alert_z' must be a number above 0, got 'nan' (from REVIEWLENS_ALERT_Z)."),
    ("SHARD_REVIEWS", "-1", "setting 'shard_reviews' must be a whole number from 1 up, got '-1' (from REVIEWLENS_SHARD_REVIEWS)."),
    ("SCORE_PRECISION", "fp8", "setting 'score_precision' must be one of auto, fp32, bf16, int8, got 'fp8' (from REVIEWLENS_SCORE_PRECISION)."),
    ("DB_MEMORY_LIMIT", "0MB", "setting 'db_memory_limit' must be a size of at least 16MB such as 512MB or 4GB, got '0MB' (from REVIEWLENS_DB_MEMORY_LIMIT)."),
]
BAD_FILE = [
    ("min_alert_volume = 3.7", "setting 'min_alert_volume' must be a whole number from 1 up, got 3.7 (in {file})."),
    ("min_alert_volume = true", "setting 'min_alert_volume' must be a whole number from 1 up, got true (in {file})."),
    ("alert_z = true", "setting 'alert_z' must be a number above 0, got true (in {file})."),
    ("alert_z = 0", "setting 'alert_z' must be a number above 0, got 0 (in {file})."),
    ("shard_reviews = -2048", "setting 'shard_reviews' must be a whole number from 1 up, got -2048 (in {file})."),
    ("min_product_reviews = -3", "setting 'min_product_reviews' must be a whole number from 1 up, got -3 (in {file})."),
    ("workers = -2", "setting 'workers' must be a whole number from 0 up, got -2 (in {file})."),
    ("db_memory_limit = '0MB'", "setting 'db_memory_limit' must be a size of at least 16MB such as 512MB or 4GB, got '0MB' (in {file})."),
    ("db_memory_limit = 512", "setting 'db_memory_limit' must be a size of at least 16MB such as 512MB or 4GB, got 512 (in {file})."),
    ("db_threads = -1", "setting 'db_threads' must be a whole number from 0 up, got -1 (in {file})."),
    ("timezone = 'Mars/Olympus'", "setting 'timezone' must be an IANA time zone such as 'Europe/Berlin' or '' for this machine's, got 'Mars/Olympus' (in {file})."),
    ("timezone = 'Europe'", "setting 'timezone' must be an IANA time zone such as 'Europe/Berlin' or '' for this machine's, got 'Europe' (in {file})."),
    ("device = 'gpu'", "setting 'device' must be one of auto, cpu, cuda, mps or cuda:<index>, got 'gpu' (in {file})."),
    ("device = 'cuda:x'", "setting 'device' must be one of auto, cpu, cuda, mps or cuda:<index>, got 'cuda:x' (in {file})."),
    ("home = 7", "setting 'home' must be a folder path, got 7 (in {file})."),
    ("created_at_floor = 'last year'", "setting 'created_at_floor' must be a date written YYYY-MM-DD, got 'last year' (in {file})."),
    ("created_at_floor = 2000-01-01T00:00:00", "setting 'created_at_floor' must be a date written YYYY-MM-DD, got 2000-01-01T00:00:00 (in {file})."),
    ("created_at_floor = '20000101'", "setting 'created_at_floor' must be a date written YYYY-MM-DD, got '20000101' (in {file})."),
]


@pytest.mark.parametrize("name, value, sentence", BAD_ENV)
def test_a_bad_environment_variable_is_one_sentence_naming_the_variable(tmp_path, name, value, sentence):
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, env={f"REVIEWLENS_{name}": value})
    assert str(refused.value) == sentence


@pytest.mark.parametrize("line, sentence", BAD_FILE)
def test_a_bad_value_in_the_file_is_one_sentence_naming_the_file(tmp_path, line, sentence):
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, line + "\n")
    assert str(refused.value) == sentence.format(file=tmp_path / "reviewlens.toml")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_refuses_a_value_of_the_wrong_type(tmp_path, name):
    with pytest.raises(ConfigError, match=rf"^setting '{name}' must be .*, got \[1\] \(in .*\)\.$"):
        load(tmp_path, f"{name} = [1]\n")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings) if f.type in ("int", "float")])
def test_every_number_setting_refuses_a_negative_one(tmp_path, name):
    with pytest.raises(ConfigError, match=re.escape(f"setting '{name}' must be ")):
        load(tmp_path, env={f"REVIEWLENS_{name.upper()}": "-1"})


def test_a_memory_limit_is_a_plain_size_so_it_is_safe_to_write_into_duckdbs_set_statement():
    with pytest.raises(ConfigError, match="setting 'db_memory_limit' must be a size"):
        Settings(db_memory_limit="1GB'; DROP TABLE reviews; --")
    assert Settings(db_memory_limit=" 4gb ").db_memory_limit == " 4gb "


def test_the_command_line_prints_the_sentence_and_exits_2_before_doing_anything(tmp_path):
    env = {**os.environ, "REVIEWLENS_HOME": str(tmp_path), "REVIEWLENS_SCORE_BATCH_TOKENS": "-5"}
    result = subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", "sql", "SELECT 1"], capture_output=True,
                            text=True, env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "reviewlens: setting 'score_batch_tokens' must be "
                                                                "a whole number from 512 up, got '-5' (from REVIEWLENS_SCORE_BATCH_TOKENS).\n")
