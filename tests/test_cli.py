"""The command line as a user meets it: help, one-sentence errors, classify output, read-only sql."""

from __future__ import annotations

import csv
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


def test_rejected_rows_are_explained_under_the_summary_and_the_query_it_suggests_runs(tmp_path):
    export = tmp_path / "lender.csv"                      # a real export's shape: stars and a year, no review id
    export.write_text("Stars,Reviews,BankName,Year\n5,Smooth refinance,Acme,2017\n1,Lost our papers,Acme,2018\n")
    mapped = ["-c", "product_id=BankName", "-c", "body=Reviews", "-c", "created_at=Year", "-c", "rating=Stars"]
    first = cli("ingest", str(export), *mapped, home=tmp_path)
    assert first.returncode == 0 and "created_at '2017' is not a date reviewlens reads" in first.stderr
    suggested = re.search(r'reviewlens sql --live "(.*)"', first.stderr.replace("\n", " ")).group(1)
    kept = cli("sql", "--live", suggested, "--format", "jsonl", home=tmp_path)
    assert [json.loads(line)["line"] for line in kept.stdout.splitlines()] == [2, 3]
    judged = cli("eval", "--input", str(export), *mapped, home=tmp_path)       # read as ingest reads it, not stored
    assert judged.returncode == 2 and "none of the 2 rows of lender.csv could be read as reviews (rejected: " \
        "invalid_created_at 2)" in judged.stderr and "created_at '2017'" in judged.stderr
    assert "reviews_rejected" not in judged.stderr                            # a scratch store keeps nothing
    second = cli("ingest", str(export), *mapped, "--date-format", "%Y", home=tmp_path)
    assert second.returncode == 0 and "rejected as" not in second.stderr
    rows = cli("sql", "--live", "SELECT rating, created_at FROM reviews ORDER BY rating", "--format", "jsonl", home=tmp_path)
    assert [json.loads(line)["rating"] for line in rows.stdout.splitlines()] == [1, 5]


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


def test_a_demo_replaying_more_nights_than_its_data_spans_is_one_sentence(tmp_path):
    result = cli("demo", "--history-days", "121", home=tmp_path)
    assert one_sentence(result) == ("reviewlens: --history-days 121 is more than the 120 days the demo reviews are dated "
                                    "over, so some nights would have nothing to score; use at most 120 or raise the "
                                    "demo_days setting.")
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


def test_run_while_another_process_holds_the_store_waits_then_says_so_in_one_sentence(tmp_path):
    import duckdb

    home = ingested_home(tmp_path)
    holder = duckdb.connect(str(home / "reviewlens.duckdb"))           # this test process holds the write lock
    try:
        result = cli("run", home=home, REVIEWLENS_STORE_WAIT_SECONDS="2")
    finally:
        holder.close()
    *waited, gave_up = result.stderr.strip().splitlines()
    assert waited and all(line.startswith("reviewlens: another reviewlens run is using") and "; waiting " in line
                          for line in waited)
    assert gave_up.startswith(f"reviewlens: another reviewlens run is using {home / 'reviewlens.duckdb'}")
    assert gave_up.endswith("and still was after waiting 2 s; let it finish and run again.")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_user_error_inside_the_nightly_flow_has_no_prefect_traceback(tmp_path, prefect_api):
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import register

    home = ingested_home(tmp_path)
    with connect(home / "reviewlens.duckdb") as con:                   # active, but its checkpoint is gone
        register(con, "tiny-gone", "tiny", {}, "fingerprint", {}, Path("tiny-gone"), activate=True)
    result = cli("run", home=home, PREFECT_API_URL=prefect_api)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    sentence = f"reviewlens: no checkpoint at {home / 'models' / 'tiny-gone'}; train one with `reviewlens train`."
    assert sentence in result.stderr.splitlines(), result.stderr        # Prefect's INFO lines may surround it


@pytest.mark.slow
def test_prefect_keeps_its_temporary_server_banner_and_run_lines_off_the_console_unless_verbose(tmp_path, monkeypatch):
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import register

    home = ingested_home(tmp_path)
    with connect(home / "reviewlens.duckdb") as con:                   # the flow starts, then stops on a sentence
        register(con, "tiny-gone", "tiny", {}, "fingerprint", {}, Path("tiny-gone"), activate=True)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)               # Prefect starts its temporary server
    sentence = f"reviewlens: no checkpoint at {home / 'models' / 'tiny-gone'}; train one with `reviewlens train`."
    quiet = cli("run", home=home)
    assert one_sentence(quiet) == sentence and quiet.stdout == ""      # the flow ran: the sentence comes from inside it
    verbose = cli("--verbose", "run", home=home)
    assert verbose.returncode == 2 and sentence in verbose.stderr.splitlines()
    for line in ("Starting temporary server on http://127.0.0.1", "for more information on running a dedicated Prefect "
                 "server", "Beginning flow run"):
        assert line in verbose.stderr, verbose.stderr


def test_models_never_cuts_a_version_so_it_can_be_copied_into_activate(tmp_path):
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import register

    home = ingested_home(tmp_path)
    versions = ["demo-20261128-021500-3fa9c1", "full-20261129-235959-0a1b2c"]
    metrics = {"sentiment": {"en": {"model": {"macro_f1": 0.71234}}, "zh": {"model": {"accuracy": 0.9}}}}
    with connect(home / "reviewlens.duckdb") as con:
        for version in versions:
            register(con, version, version.split("-")[0], {}, "fingerprint", metrics, Path(version), activate=True)
    listed = cli("models", home=home, COLUMNS="80")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    shown = {line.split()[0]: line.split()[1:] for line in lines if line.split() and line.split()[0] in versions}
    assert set(shown) == set(versions)                                  # each whole, on one line
    assert shown[versions[0]][:2] == ["0.9", "0.712"] and shown[versions[1]][:3] == ["yes", "0.9", "0.712"]
    activated = cli("models", "--activate", versions[0], home=home, COLUMNS="80")
    assert activated.returncode == 0 and f"{versions[0]} is now the active model" in activated.stdout


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
    for live in (["--live"], []):                                    # the snapshot's query, too, never gets that far
        result = cli("sql", *live, "select 1 as a", "--format", "csv", "--output", str(store), home=tmp_path)
        assert result.returncode == 2 and result.stderr.strip() == (
            f"reviewlens: --output {store} would overwrite reviewlens's own {store}; write the result somewhere else.")
    assert store.stat().st_size == size
    assert cli("sql", "--live", "SELECT count(*) FROM reviews", home=tmp_path).returncode == 0


def words(report: str) -> str:
    """A printed report as its words one space apart: no table lines, no wrapping."""
    return " ".join(re.sub("[\u2500-\u257f]", " ", report).split())


@pytest.mark.slow
def test_eval_reports_precision_recall_f1_and_the_confusion_matrix_per_language(trained_home):
    settings, _ = trained_home
    result = cli("eval", home=settings.home)
    assert result.returncode == 0, result.stderr
    report = words(result.stdout)
    for language in ("zh", "en"):
        assert f"{language}: per class, on the fixed test split" in report
        assert f"{language}: confusion matrix on the fixed test split (columns: predicted)" in report
    assert all(word in report for word in ("precision", "recall", "F1", "negative recall", "TF-IDF + LR baseline"))
    assert "random-init" not in report and "wide path alone" not in report      # the tiny preset trains no ablation
    warned = [line for line in result.stdout.splitlines() if line.startswith("warning")]
    assert all("behavioural minimum-functionality cases" in line for line in warned)   # the tiny model's only warning


def export_file(folder: Path, rows: list[tuple]) -> Path:
    """A shop's export with its own column names: id, item, posted, text, stars."""
    path = folder / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("id", "item", "posted", "text", "stars"), *rows])
    return path


EXPORT_MAPPING = ["-c", "review_id=id", "-c", "product_id=item", "-c", "created_at=posted", "-c", "body=text",
                  "-c", "rating=stars"]


def stored_rows(settings) -> tuple[int, int]:
    from reviewlens.flows.store.connection import connect
    with connect(settings.db_path, read_only=True) as con:
        return con.execute("SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM reviews_rejected)").fetchone()


@pytest.mark.slow
def test_eval_input_judges_the_model_and_the_baseline_on_a_file_it_never_ingests(trained_home, tmp_path):
    settings, _ = trained_home
    path = export_file(tmp_path, [
        ("x1", "p", "2026-11-01", "Great fit and beautiful colour, love it", "5"),
        ("x2", "p", "2026-11-01", "Cheaply made, the zipper broke, returned it", "1"),
        ("x3", "p", "2026-11-01", "It is okay, nothing special", "3"),
        ("x4", "p", "2026-11-01", "So cute and flattering, love it", ""),         # no stars: skipped
        ("x5", "p", "2026-11-01", "Gorgeous style, true to size", "0"),           # ingest would reject it
        ("x6", "p", "2026-11-01", "", "4"),                                        # and this one
    ])
    before = stored_rows(settings)
    result = cli("eval", "--input", str(path), *EXPORT_MAPPING, home=settings.home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ("export.csv: 6 rows read, 3 judged; left out: rejected as ingest would 2 "
                                             "(empty_body 1, invalid_rating 1), no label or rating 1")
    report = words(result.stdout)
    assert "sentiment on export.csv" in report and "en (n=3)" in report
    assert "en: per class, on export.csv" in report and "en: confusion matrix on export.csv" in report
    assert "model negative 1" in report and "TF-IDF + LR baseline negative 1" in report
    assert stored_rows(settings) == before


@pytest.mark.slow
def test_eval_warns_in_words_when_the_model_never_gets_a_sentiment_right(trained_home, tmp_path):
    settings, _ = trained_home
    backwards = [(f"r{i}", "p", "2026-11-01", text, stars) for i, (text, stars) in enumerate([
        ("I love this dress, the fabric is soft", "1"), ("Perfect size, very comfortable", "2"),
        ("Terrible fit, returned it", "5"), ("The zipper broke, poor quality", "4")])]     # stars the wrong way round
    result = cli("eval", "--input", str(export_file(tmp_path, backwards)), *EXPORT_MAPPING, home=settings.home)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning")]
    assert warnings == ["warning: on export.csv, en: it finds none of the 2 negative reviews (negative F1 is 0)",
                        "warning: on export.csv, en: it finds none of the 2 positive reviews (positive F1 is 0)"]


@pytest.mark.parametrize("args, message", [
    (["--input", "{missing}"], "{missing} does not exist; check the path."),
    (["--input", "{unrated}"], "unrated.csv has no English or Chinese review with a label or a rating to judge "
                               "against; map yours with --column label=YOUR_COLUMN or --column rating=YOUR_COLUMN."),
    (["--column", "rating=stars"], "--column, --format, --date-format and --rating-scale describe an --input file; pass "
                                   "--input FILE or leave them out."),
    (["--input", "{unrated}", "--rating-scale", "ten"], "--rating-scale 'ten' is not LOW-HIGH with LOW below HIGH; say, "
                                                        "for example, 1-10 or 0-100."),
])
def test_eval_input_errors_are_one_sentence(tmp_path, args, message):
    unrated = tmp_path / "unrated.csv"
    unrated.write_text("review_id,product_id,body,created_at\nr,p,I love this dress,2026-01-01\n")
    paths = {"missing": tmp_path / "missing.csv", "unrated": unrated}
    result = cli("eval", *[a.format(**paths) for a in args], home=ingested_home(tmp_path))
    assert one_sentence(result) == "reviewlens: " + message.format(**paths)
