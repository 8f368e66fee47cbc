"""The command line as a user meets it: help, one-sentence errors, classify output, read-only sql."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, home=None, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"REVIEWLENS_HOME": str(home)} if home else {}), **env}
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
    unpublished = cli("sql", "SELECT count(*) AS n FROM reviews", home=tmp_path)
    assert unpublished.returncode == 2 and "no nightly run has published tables for analysts yet" in unpublished.stderr
    rows = cli("sql", "--live", "SELECT count(*) AS n FROM reviews", "--format", "jsonl", home=tmp_path)
    assert [json.loads(line) for line in rows.stdout.splitlines()] == [{"n": 1}]
    slow = cli("sql", "--live", "SELECT count(*) FROM range(100000000000)", "--timeout", "1", home=tmp_path)
    assert slow.returncode == 2 and "ran longer than 1 s" in slow.stderr
    held = cli("sql", "--live", "SELECT 1", "--timeout", "600", home=tmp_path)
    assert held.returncode == 2 and "--live queries hold the store and may run at most 60 s" in held.stderr


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


def one_sentence(result: subprocess.CompletedProcess) -> str:
    """The CLI's promise for an error the user can fix: exit status 2 and one line on stderr, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


def ingested_home(home):
    (home / "r.csv").write_text("review_id,product_id,body,created_at\nr,p,fine,2026-01-01\n")
    assert cli("ingest", str(home / "r.csv"), home=home).returncode == 0
    return home


def test_run_without_a_model_is_one_sentence_before_prefect_starts(tmp_path):
    result = cli("run", "--date", "2026-01-02", home=ingested_home(tmp_path))
    assert one_sentence(result) == "reviewlens: no model is active yet; run `reviewlens train --preset demo` first."


def test_run_on_an_empty_workspace_says_to_load_reviews_first(tmp_path):
    result = cli("run", home=tmp_path)
    assert one_sentence(result) == (f"reviewlens: there is no database at {tmp_path / 'reviewlens.duckdb'} yet; "
                                    "run `reviewlens ingest` or `reviewlens demo` first.")


def test_run_while_another_process_holds_the_store_is_one_sentence(tmp_path):
    import duckdb

    home = ingested_home(tmp_path)
    holder = duckdb.connect(str(home / "reviewlens.duckdb"))           # this test process holds the write lock
    try:
        result = cli("run", home=home)
    finally:
        holder.close()
    assert one_sentence(result).startswith(f"reviewlens: another reviewlens run is using {home / 'reviewlens.duckdb'}")


def test_a_user_error_inside_the_nightly_flow_has_no_prefect_traceback(tmp_path, prefect_api):
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import register

    home = ingested_home(tmp_path)
    with connect(home / "reviewlens.duckdb") as con:                   # active, but its checkpoint is gone
        register(con, "tiny-gone", "tiny", {}, "fingerprint", {}, Path("tiny-gone"), activate=True)
    result = cli("run", home=home, PREFECT_API_URL=prefect_api)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"reviewlens: no checkpoint at {home / 'models' / 'tiny-gone'}; train one with `reviewlens train`.")


HOME_FIX = "set REVIEWLENS_HOME (or home in reviewlens.toml) to a folder you can write."
WRITING_COMMANDS = [["ingest", "{csv}"], ["run"], ["report"]]


@pytest.mark.parametrize("args", WRITING_COMMANDS, ids=lambda a: a[0])
def test_a_home_that_is_a_file_is_one_sentence(tmp_path, args):
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = cli(*[a.format(csv=tmp_path / "r.csv") for a in args], home=home)
    assert one_sentence(result) == f"reviewlens: the workspace {home} is a file, not a folder; {HOME_FIX}"


@pytest.mark.parametrize("args", WRITING_COMMANDS, ids=lambda a: a[0])
def test_a_home_that_cannot_be_created_is_one_sentence(tmp_path, args):
    (tmp_path / "file").write_text("a file where a folder should be")
    home = tmp_path / "file" / "home"
    result = cli(*[a.format(csv=tmp_path / "r.csv") for a in args], home=home)
    assert one_sentence(result) == (f"reviewlens: the workspace {home} cannot be created: {tmp_path / 'file'} "
                                    f"is a file; {HOME_FIX}")


@pytest.mark.parametrize("args", WRITING_COMMANDS, ids=lambda a: a[0])
def test_a_read_only_home_is_one_sentence(tmp_path, args):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    try:
        if os.access(home, os.W_OK):
            pytest.skip("this user can write to a read-only folder (root)")
        result = cli(*[a.format(csv=tmp_path / "r.csv") for a in args], home=home)
    finally:
        home.chmod(0o755)
    assert one_sentence(result) == f"reviewlens: the workspace {home} is read-only; {HOME_FIX}"


@pytest.mark.parametrize("text", ["", "   "])
def test_classify_refuses_an_empty_text(tmp_path, text):
    result = cli("classify", "fine", text, home=ingested_home(tmp_path))
    assert one_sentence(result) == ("reviewlens: text 2 of the arguments is empty; classify scores non-empty texts only, "
                                    "so remove it or give it some words.")


def test_classify_with_malformed_json_lines_names_the_line(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"body": "fine"}\n{"body": "broken\n')
    result = cli("classify", "--input", str(tmp_path / "in.jsonl"), home=ingested_home(tmp_path))
    assert one_sentence(result).startswith(f"reviewlens: line 2 of {tmp_path / 'in.jsonl'} is not valid JSON (")


def test_sql_never_writes_its_output_onto_the_store(tmp_path):
    (tmp_path / "r.csv").write_text("review_id,product_id,body,created_at\nr,p,fine,2026-01-01\n")
    cli("ingest", str(tmp_path / "r.csv"), home=tmp_path)
    store = tmp_path / "reviewlens.duckdb"
    size = store.stat().st_size
    result = cli("sql", "--live", "select 1 as a", "--format", "csv", "--output", str(store), home=tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == (
        f"reviewlens: --output {store} would overwrite reviewlens's own {store}; write the result somewhere else.")
    assert store.stat().st_size == size
    assert cli("sql", "--live", "SELECT count(*) FROM reviews", home=tmp_path).returncode == 0
