"""Settings: defaults that work, a TOML file over them, REVIEWLENS_* variables over both."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewlens.flows.config import ConfigError, Settings, load_settings


def test_defaults_work_with_no_file_and_no_environment(tmp_path):
    settings = load_settings(tmp_path / "absent.toml", env={})
    assert settings == Settings()
    assert settings.db_path == Path("var/reviewlens.duckdb")


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path):
    config = tmp_path / "reviewlens.toml"
    config.write_text('home = "/data/rl"\ndemo_days = 30\n')
    assert load_settings(config, env={}).home == Path("/data/rl")
    settings = load_settings(config, env={"REVIEWLENS_HOME": "/elsewhere", "REVIEWLENS_DEMO_DAYS": "60"})
    assert (settings.home, settings.demo_days, settings.db_path) == (Path("/elsewhere"), 60, Path("/elsewhere/reviewlens.duckdb"))


@pytest.mark.parametrize("text, env, message", [
    ("demo_days = 3\ncolour = 'red'\n", {}, r"unknown settings \['colour'\]"),
    ("demo_days = [\n", {}, "not valid TOML"),
    ("", {"REVIEWLENS_DEMO_DAYS": "many"}, "'demo_days' must be int"),
    ("score_commit_reviews = 512\n", {}, "rename score_commit_reviews to shard_reviews"),
    ("", {"REVIEWLENS_SCORE_PRECISION": "fp8"}, "'score_precision' must be one of auto, fp32, bf16, int8, got 'fp8'"),
    ("device = 'gpu'\n", {}, "'device' must be one of auto, cpu, cuda, mps, got 'gpu'"),
])
def test_bad_settings_name_the_setting(tmp_path, text, env, message):
    config = tmp_path / "reviewlens.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, env=env)
