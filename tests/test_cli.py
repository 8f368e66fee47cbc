"""The command line as a user meets it: help, one-sentence errors, classify output, read-only sql."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest


def cli(*args: str, home=None, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"REVIEWLENS_HOME": str(home)} if home else {})}
    return subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", *args], capture_output=True, text=True, env=env, input=stdin)


def test_help_lists_the_commands():
    result = cli("--help")
    assert result.returncode == 0
    for command in ("ingest", "demo", "train", "eval", "models", "classify", "run", "report", "serve", "sql"):
        assert command in result.stdout


def test_a_user_error_is_one_sentence_and_debug_shows_the_traceback(tmp_path):
    result = cli("ingest", str(tmp_path / "missing.csv"), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"reviewlens: {tmp_path / 'missing.csv'} does not exist; check the path."
    debug = cli("--debug", "ingest", str(tmp_path / "missing.csv"), home=tmp_path)
    assert "Traceback" in debug.stderr


def test_sql_refuses_writes(tmp_path):
    (tmp_path / "r.csv").write_text("review_id,product_id,body,created_at\nr,p,fine,2026-01-01\n")
    assert cli("ingest", str(tmp_path / "r.csv"), home=tmp_path).returncode == 0
    result = cli("sql", "DELETE FROM reviews", home=tmp_path)
    assert result.returncode == 2 and "read-only" in result.stderr
    rows = cli("sql", "SELECT count(*) AS n FROM reviews", "--format", "jsonl", home=tmp_path)
    assert [json.loads(line) for line in rows.stdout.splitlines()] == [{"n": 1}]
    slow = cli("sql", "SELECT count(*) FROM range(100000000000)", "--timeout", "1", home=tmp_path)
    assert slow.returncode == 2 and "ran longer than 1 s" in slow.stderr


def test_commands_that_need_a_model_say_how_to_get_one(tmp_path):
    (tmp_path / "r.csv").write_text("review_id,product_id,body,created_at\nr,p,fine,2026-01-01\n")
    cli("ingest", str(tmp_path / "r.csv"), home=tmp_path)
    result = cli("classify", "nice dress", home=tmp_path)
    assert result.returncode == 2 and "reviewlens train --preset demo" in result.stderr


@pytest.mark.slow
def test_classify_writes_one_json_line_per_text(trained_home):
    settings, summary = trained_home
    result = cli("classify", "I love this dress, the fabric is soft", "--input", "-", home=settings.home,
                 stdin="质量太差，物流太慢\nRuns small but the colour is great\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [l["text"] for l in lines] == ["I love this dress, the fabric is soft", "质量太差，物流太慢", "Runs small but the colour is great"]
    for line in lines:
        assert line["sentiment"] in ("negative", "neutral", "positive")
        assert abs(line["p_negative"] + line["p_neutral"] + line["p_positive"] - 1) < 1e-3
        assert line["model_version"] == summary.version
        assert isinstance(line["aspects"], list)


@pytest.mark.parametrize("content, message", [
    (None, r"--topics .*missing\.toml does not exist; pass the path of a topics\.toml or leave --topics out\."),
    ("[fit\nen = ", r"--topics .*bad\.toml: topics\.toml is not valid TOML .*; fix it or leave --topics out"),
    ("[fit]\ndescription = 'no seeds'\n", r"--topics .*bad\.toml: topic 'fit' in topics\.toml needs seed words"),
    ("", r"--topics .*bad\.toml: topics\.toml defines no topics; fix it or leave --topics out"),
])
def test_a_bad_topics_file_is_one_sentence_not_a_traceback(tmp_path, content, message):
    path = tmp_path / ("missing.toml" if content is None else "bad.toml")
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = cli("train", "--preset", "tiny", "--topics", str(path), home=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert re.fullmatch(r"reviewlens: " + message + r".*", result.stderr.strip())


@pytest.mark.parametrize("days", ["0", "-3"])
def test_demo_with_no_nights_to_replay_is_one_sentence(tmp_path, days):
    result = cli("demo", "--history-days", days, home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"reviewlens: --history-days must be at least 1 (got {days}): the demo replays that many nightly runs."
    assert not (tmp_path / "reviewlens.duckdb").exists()


def test_an_unknown_demo_scenario_is_one_sentence(tmp_path):
    result = cli("demo", "--scenario", "outage", home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "reviewlens: --scenario 'outage' is not a demo scenario; use one of incident, none."
    assert not (tmp_path / "reviewlens.duckdb").exists()
