"""The `reviewlens` command line: thin commands over flows/, errors as one sentence (tracebacks with --debug)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.errors import UserError, quiet_user_errors, user_message

app = typer.Typer(
    help="reviewlens: nightly review analytics on DuckDB with a from-scratch bilingual encoder.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()
LIVE_TIMEOUT_S = 60.0          # a live query's ceiling: well under the nightly run's wait for the store


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Prefect's own log lines on the console (its temporary "
                                          "server, each flow and task run); otherwise only its warnings and errors.")] = False,
) -> None:
    """Global options (read by main before the command runs)."""


def _workspace() -> Settings:
    """Settings for a command that writes under `home`: a home that is a file, cannot be created or is read-only is
    one sentence naming the setting now, not a traceback from the first folder or file the command makes."""
    settings = load_settings()
    home, fix = settings.home, "set REVIEWLENS_HOME (or home in reviewlens.toml) to a folder you can write."
    nearest = next(p for p in (home, *home.parents) if p.exists())       # the root (or ".") always exists
    if not nearest.is_dir():
        problem = "is a file, not a folder" if nearest == home else f"cannot be created: {nearest} is a file"
        raise UserError(f"the workspace {home} {problem}; {fix}")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"the workspace {home} cannot be created ({exc.strerror}); {fix}") from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise UserError(f"the workspace {home} is read-only; {fix}")
    return settings


def _ingest_paths(paths: list[Path], columns: list[str], source: Optional[str], fmt: Optional[str],
                  date_format: Optional[str] = None, rating_scale: Optional[str] = None) -> None:
    from reviewlens.flows.ingest.files import ingest_file, parse_mapping
    from reviewlens.flows.ingest.rating_scale import parse_rating_scale
    from reviewlens.flows.store.connection import connect

    settings = _workspace()
    mapping = parse_mapping(columns)
    scale = parse_rating_scale(rating_scale)
    con = connect(settings.db_path, settings=settings)
    stages = ("reading", "validating", "writing", "done")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        for path in paths:
            task = progress.add_task(f"{path.name}: reading", total=len(stages) - 1)
            def step(stage: str, task=task, path=path) -> None:
                progress.update(task, completed=stages.index(stage), description=f"{path.name}: {stage}")
            summary = ingest_file(con, path, mapping, source, fmt, step=step, settings=settings, date_format=date_format,
                                  rating_scale=scale)
            progress.update(task, completed=len(stages) - 1)
            _print_summary(summary)
            if summary.rejected:
                where = str(summary.file).replace("'", "''")
                console.print(f"every rejected row is kept as read, with its line and reason: reviewlens sql --live "
                              f"\"SELECT line, reason, raw FROM reviews_rejected WHERE source_file = '{where}' ORDER BY line\"",
                              markup=False, highlight=False, soft_wrap=True)
    con.close()


def _print_summary(summary) -> None:
    table = Table(title=f"ingest {Path(summary.file).name}", show_header=False, title_justify="left")
    for label, value in (
        ("rows read", summary.rows), ("review ids", summary.review_ids),
        ("inserted", summary.inserted), ("updated (newer)", summary.updated),
        ("unchanged", summary.unchanged), ("older than stored", summary.stale),
        ("duplicate ids in file", summary.duplicates_in_file),
        ("dated before created_at_floor", summary.before_floor),
        ("rejected", sum(summary.rejected.values())),
        *((f"  {reason}", n) for reason, n in sorted(summary.rejected.items())),
        ("seconds", f"{summary.seconds:.2f}"),
    ):
        table.add_row(label, f"{value:,}" if isinstance(value, int) else value)
    out.print(table)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="CSV, Parquet or JSON Lines files.")],
    column: Annotated[list[str], typer.Option("--column", "-c", help="Map a contract column to yours: body=text.")] = [],
    source: Annotated[Optional[str], typer.Option(help="Name recorded in reviews.source (default: file name).")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="csv, parquet or jsonl (default: from the extension).")] = None,
    date_format: Annotated[Optional[str], typer.Option(
        "--date-format", help="created_at's layout in strptime codes, e.g. '%m/%d/%Y' (default: ISO 8601).")] = None,
    rating_scale: Annotated[Optional[str], typer.Option(
        "--rating-scale", help="The scale the ratings are on, LOW-HIGH (default 1-5 stars): 1-10, 0-100. Each rating "
                               "is stored as the star at the same place on 1 to 5.")] = None,
) -> None:
    """Load review files into the store; invalid rows go to reviews_rejected with the reason."""
    _ingest_paths(paths, column, source, fmt, date_format, rating_scale)


WORKERS_HELP = ("Score on a local Dask cluster of N worker processes (each gets cores/N torch threads); 0 = in this "
                "process. Default: the 'workers' setting. REVIEWLENS_DASK_ADDRESS=tcp://host:8786 uses a running cluster.")


def _check_workers(workers: Optional[int]) -> Optional[int]:
    if workers is not None and workers < 0:
        raise UserError(f"--workers must be 0 (score in this process) or more (got {workers}).")
    return workers


SCENARIO_HELP = ("incident: real negative size/fit reviews of one category dated into the last 7 days, so the last "
                 "night raises alerts; none: every simulated date uniform.")


@app.command("demo-data")
def demo_data(
    run_date: Annotated[Optional[str], typer.Option("--date", help="Run date the simulated history ends at (YYYY-MM-DD).")] = None,
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "incident",
) -> None:
    """Fetch the real demo corpora (English clothing, Chinese shopping reviews), verify and ingest all of them at once."""
    from reviewlens.flows.demo import demo_files

    settings = _workspace()
    console.print(f"fetching demo corpora into {settings.cache_dir} (checksums verified)")
    for path, source in demo_files(settings, _parse_date(run_date), scenario).values():
        _ingest_paths([path], [], source, "parquet")


@app.command()
def demo(
    run_date: Annotated[Optional[str], typer.Option("--date", help="Run date of the demo (YYYY-MM-DD, default today).")] = None,
    history_days: Annotated[int, typer.Option(help="Nightly runs to replay, ending on the run date.")] = 7,
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "incident",
    workers: Annotated[Optional[int], typer.Option("--workers", help=WORKERS_HELP)] = None,
) -> None:
    """The whole job on the embedded demo data, night by night: the history before the first night is loaded, a model
    trained if none is active, then each night ingests the reviews of its day and runs the nightly job on them."""
    from reviewlens.flows import demo as replay
    from reviewlens.flows.training.flow import train_flow

    replay.check_options(load_settings(), history_days, scenario)
    workers = _check_workers(workers)
    settings, day = _workspace(), _parse_date(run_date)
    nights = replay.replayed_nights(day, history_days)
    console.print(f"fetching demo corpora into {settings.cache_dir} (checksums verified)")
    files = replay.demo_files(settings, day, scenario)
    history = replay.load_history(settings, files, nights[0])
    out.print(f"history: {history.new:,} reviews dated before {nights[0]} loaded{_arrival_notes(history)}")
    if history.new == 0 and history.stored:
        console.print("this workspace already holds the demo reviews, so the nights find nothing new to score; point "
                      "REVIEWLENS_HOME at an empty folder to watch them arrive night by night.", style="yellow",
                      soft_wrap=True)
    active = replay.active_version(settings)
    if active is None:
        console.print("no active model: training the demo preset on the history (minutes on a CPU)")
        summary = train_flow(settings, "demo", activate=True)    # the demo runs on the model it trains; concerns print
        _print_evaluation(summary.metrics)
        out.print(f"model {summary.version}: {summary.reason}")
    else:
        console.print(f"using the active model {active}")
    for night in replay.replay(settings, files, nights, replay.nightly_runs(settings, workers)):
        _print_night(night, first=night.day == nights[0])
    _print_run(night.run)
    out.print(f"run history (one page per night): {(settings.reports_dir / 'index.html').resolve()}")


def _arrival_notes(arrived) -> str:
    notes = [f"{n:,} {what}" for n, what in ((arrived.rejected, "rejected"), (arrived.stored, "already stored")) if n]
    return f" ({', '.join(notes)})" if notes else ""


def _print_night(night, first: bool) -> None:
    """One line a night: what arrived, what the run scored, its alerts and the first of them."""
    run, n = night.run, len(night.run.alerts)
    history = " (the history's too)" if first else ""
    top = f", first: {run.alerts[0]['message']}" if run.alerts else ""
    out.print(f"night {night.day}: {night.arrived.new:,} reviews arrived{_arrival_notes(night.arrived)}; scored "
              f"{run.scored:,} new reviews{history}; {n} alert{'' if n == 1 else 's'}{top}", markup=False,
              highlight=False, soft_wrap=True)


@app.command()
def pretrain(
    preset: Annotated[str, typer.Option(help="demo (about 3 minutes on 2 cores), full, or tiny.")] = "demo",
    extra_text: Annotated[Optional[list[Path]], typer.Option("--extra-text", help="A UTF-8 file of unlabelled text (one text per line) to add to pretraining; repeatable.")] = None,
) -> None:
    """Train the tokenizer and pretrain the encoder (masked language modelling) on the stored reviews."""
    from reviewlens.flows.training.extra_text import read_extra_texts
    from reviewlens.flows.training.pretrain_step import load_corpus, preset_named, run_pretraining

    settings = _workspace()
    chosen = preset_named(preset)
    extra = read_extra_texts(extra_text or [])
    corpus = load_corpus(settings.db_path)
    folder = run_pretraining(settings.models_dir, corpus, chosen, console, extra)
    out.print(f"pretrained encoder checkpoint: {folder}")


@app.command()
def train(
    preset: Annotated[str, typer.Option(help="demo (minutes on a CPU), full (longer, with the ablations), or tiny (tests).")] = "demo",
    activate: Annotated[bool, typer.Option("--activate", help="Activate even if, on validation, it is worse than the "
                                           "active model or the baseline, or never finds a sentiment.")] = False,
    ablation: Annotated[Optional[bool], typer.Option("--ablation/--no-ablation", help="Also fine-tune from random init.")] = None,
    topics: Annotated[Optional[Path], typer.Option(help="A topics.toml to use instead of the shipped topic set (apparel, "
                                                   "electronics, home, food or hotels) whose seed words cover the store best.")] = None,
    extra_text: Annotated[Optional[list[Path]], typer.Option("--extra-text", help="A UTF-8 file of unlabelled text (one text per line) to add to pretraining; repeatable.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for batch order, masking, dropout and initialisation.")] = 0,
    base: Annotated[Optional[bool], typer.Option("--base/--no-base", help="Learn from the labelled base corpora (the "
                                                 "demo corpora) beside the store's own reviews (default: the preset's "
                                                 "choice, on for demo and full).")] = None,
) -> None:
    """Train a model: tokenizer, pretraining, fine-tuning, evaluation against the baseline, registry."""
    from reviewlens.flows.training.flow import train_flow

    if topics is not None:
        _check_topics(topics)
    summary = train_flow(_workspace(), preset, activate, ablation, topics, extra_text, seed, base)
    _print_evaluation(summary.metrics)
    out.print(f"model {summary.version} saved to {summary.folder}; {summary.reason}")


def _check_topics(path: Path) -> None:
    """A --topics file that cannot be used is one sentence before training starts, not a traceback from the flow."""
    from reviewlens.models.taxonomy import TaxonomyError, load_taxonomy

    try:
        load_taxonomy(path)
    except FileNotFoundError:
        raise UserError(f"--topics {path} does not exist; pass the path of a topics.toml or leave --topics out.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"--topics {path} cannot be read as UTF-8 text ({exc}); fix it or leave --topics out.") from None
    except TaxonomyError as exc:
        raise UserError(f"--topics {path}: {str(exc).rstrip('.')}; fix it or leave --topics out to use the shipped topics.") from None


topics_app = typer.Typer(help="The topic taxonomy: draft topics from what topic discovery found.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("suggest")
def topics_suggest(
    output: Annotated[Path, typer.Option(help="Where to write the draft.")] = Path("topics.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
) -> None:
    """Turn the topic candidates of the last nightly run into a draft topics.toml to edit, then train with --topics."""
    from reviewlens.flows.training.topic_draft import write_draft

    written = write_draft(load_settings(), output, force)
    if written:
        out.print(f"{output}: the active model's topics and {written} candidate{'' if written == 1 else 's'} to edit; "
                  f"then `reviewlens train --topics {output}`", markup=False, highlight=False, soft_wrap=True)
    else:
        out.print("no topic candidates stored: the last nightly run found no cluster of reviews that no topic covers "
                  "(or no night has run yet); nothing written.", markup=False, highlight=False, soft_wrap=True)


def _print_evaluation(metrics: dict) -> None:
    from reviewlens.flows.training.eval_report import print_evaluation

    print_evaluation(out, metrics)


@app.command("eval")
def eval_(
    model: Annotated[Optional[str], typer.Option(help="Model version (default: the active one).")] = None,
    input: Annotated[Optional[Path], typer.Option("--input", help="Judge on this review file (CSV, Parquet or JSON Lines, "
                                                  "as ingest reads it) instead of the test split; it is not ingested.")] = None,
    column: Annotated[list[str], typer.Option("--column", "-c", help="With --input: map a contract column to yours, "
                                              "rating=stars.")] = [],
    fmt: Annotated[Optional[str], typer.Option("--format", help="With --input: csv, parquet or jsonl (default: from the "
                                               "extension).")] = None,
    date_format: Annotated[Optional[str], typer.Option("--date-format", help="With --input: created_at's layout, as "
                                                       "for ingest.")] = None,
    rating_scale: Annotated[Optional[str], typer.Option("--rating-scale", help="With --input: the scale its ratings "
                                                        "are on, as for ingest (default 1-5).")] = None,
) -> None:
    """Evaluate a model on the fixed test split, or on a labelled review file, with the TF-IDF baseline beside it."""
    from reviewlens.flows.training.eval_report import print_evaluation, print_input_counts
    from reviewlens.flows.ingest.rating_scale import parse_rating_scale
    from reviewlens.flows.training.evaluation import evaluate_file, evaluate_version

    if input is None and (column or fmt or date_format or rating_scale):
        raise UserError("--column, --format, --date-format and --rating-scale describe an --input file; pass --input FILE "
                        "or leave them out.")
    settings = load_settings()
    if input is None:
        print_evaluation(out, evaluate_version(settings, model), warn=True)
        return
    metrics = evaluate_file(settings, input, column, fmt, model, date_format, parse_rating_scale(rating_scale))
    print_input_counts(out, input.name, metrics["input"])
    print_evaluation(out, metrics, where=input.name, warn=True)


@app.command()
def models(
    activate: Annotated[Optional[str], typer.Option(help="Make this version the active model.")] = None,
) -> None:
    """List trained models and their figures; --activate VERSION switches the active one."""
    from reviewlens.flows.store.registry import activate as activate_version
    from reviewlens.flows.store.connection import connect, sql_text

    settings = load_settings()
    if activate:
        with connect(settings.db_path, settings=settings) as con:
            activate_version(con, activate)
        out.print(f"{activate} is now the active model; the next `reviewlens run` scores with it.")
    with connect(settings.db_path, read_only=True, settings=settings) as con:
        rows = con.execute(sql_text("store/models.sql")).fetchall()
    if not rows:
        out.print("no model trained yet; run `reviewlens train --preset demo`.")
        return
    table = Table("version", "active", "zh accuracy", "en macro-F1", "created (UTC)", box=box.SIMPLE_HEAD,
                  title="models (figures on the fixed test split)", title_justify="left")
    for column in table.columns:
        column.overflow = "fold"                            # a narrow terminal wraps a cell, never cuts it
    version = table.columns[0]
    version.no_wrap, version.min_width = True, max(len(row[0]) for row in rows)    # whole, to copy to --activate
    for row in rows:
        table.add_row(*("–" if v is None else str(v) for v in row))
    out.print(table)


@app.command()
def classify(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Texts to score (an empty text is refused).")] = None,
    input: Annotated[Optional[str], typer.Option("--input", help="FILE.jsonl (a 'body' or 'text' field per line), FILE.csv "
                                                 "(a 'body' or 'text' column), or - for stdin: JSON Lines when its first "
                                                 "line starts with {, else one text per line.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model version (default: the active one).")] = None,
) -> None:
    """Score ad-hoc texts with the active model; one JSON line per text. Malformed input or an empty text is refused."""
    from reviewlens.flows.scoring.adhoc import classify_texts, read_texts

    for line in classify_texts(load_settings(), read_texts(texts or [], input), model):
        print(line)


@app.command()
def run(
    run_date: Annotated[Optional[str], typer.Option("--date", help="Day to report on (YYYY-MM-DD, default today).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help=WORKERS_HELP)] = None,
) -> None:
    """The nightly job: score new reviews, rebuild insight tables and alerts, write the dashboard."""
    from reviewlens.flows.nightly.flow import nightly

    settings = _workspace()
    day, workers = _parse_date(run_date), _check_workers(workers)
    _check_runnable(settings)
    _print_run(nightly(day, workers=workers, settings=settings))


def _check_runnable(settings: Settings) -> None:
    """What stops a night before it starts (another nightly run, no store yet, another process holding the store
    past store_wait_seconds, no active model) is one sentence before Prefect starts; the flow checks again for `serve` and for a process that got in between."""
    from reviewlens.flows.nightly.run_lock import check_no_nightly_run
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import require_active

    check_no_nightly_run(settings.home)                        # another night: this one stops at once
    waited = lambda message: console.print(f"reviewlens: {message}", style="yellow", markup=False, highlight=False,
                                           soft_wrap=True)
    with connect(settings.db_path, read_only=True, settings=settings, wait_s=settings.store_wait_seconds,
                 on_wait=waited) as con:                       # an ingest or a live query ends; the night goes on
        require_active(con)


def _print_run(summary) -> None:
    out.print(f"run {summary.run_id}: scored {summary.scored:,} new reviews with {summary.model_version}; "
              f"{len(summary.alerts)} alerts; stages " + ", ".join(f"{k} {v:.1f}s" for k, v in summary.durations.items()))
    for alert in summary.alerts[:10]:
        out.print(f"  [{alert['severity']}] {alert['message']}", markup=False, highlight=False)
    if note := summary.stale_note():
        console.print(note, style="yellow", markup=False, highlight=False, soft_wrap=True)
    out.print(f"dashboard: {Path(summary.report_path).resolve()}")


@app.command()
def report(
    run_date: Annotated[Optional[str], typer.Option("--date", help="Day to report on (default: the day the insight tables hold).")] = None,
    standalone: Annotated[bool, typer.Option("--standalone", help="One self-contained file (plotly.js inlined) to mail around.")] = False,
    open_page: Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")] = False,
) -> None:
    """Rebuild a dashboard page from the insight tables, without rescoring."""
    import webbrowser

    from reviewlens.flows.nightly.dashboards import check_report_date, write_reports
    from reviewlens.flows.store.connection import connect

    settings = _workspace()
    con = connect(settings.db_path, settings=settings)
    try:
        day = check_report_date(con, _parse_date(run_date) if run_date else None)
        page = write_reports(con, settings, day, None, standalone=standalone)
    finally:
        con.close()
    out.print(f"dashboard: {page.resolve()}")
    if open_page:
        webbrowser.open(page.resolve().as_uri())


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="When to run, as a cron expression.")] = "0 2 * * *",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the cron expression.")] = "UTC",
) -> None:
    """Serve the nightly deployment on a cron schedule (starts a local Prefect server if none is configured)."""
    from reviewlens.flows.nightly.schedule import serve_nightly

    serve_nightly(cron, timezone, load_settings(), console)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv, jsonl or parquet.")] = "table",
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file (replaced only when complete).")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Stop the query after this many seconds (default 300; "
                                                      f"{LIVE_TIMEOUT_S:g} with --live).")] = None,
    live: Annotated[bool, typer.Option("--live", help=f"Query the live store instead of the last run's snapshot "
                                       f"(at most {LIVE_TIMEOUT_S:g} s, so a nightly run is never kept waiting).")] = False,
) -> None:
    """Run one read-only query (SELECT, WITH, VALUES or EXPLAIN of one); rows are streamed. It reads the snapshot
    the last completed nightly run published (SELECT * FROM snapshot_info says which), never the live store."""
    from reviewlens.flows.store.readonly_sql import check_output, check_read_only, run_query
    from reviewlens.flows.store.snapshot import require_snapshot, snapshot_path

    check_read_only(query)                                 # a write is refused before anything is opened
    settings = load_settings()
    timeout = timeout if timeout is not None else LIVE_TIMEOUT_S if live else 300.0
    if live and timeout > LIVE_TIMEOUT_S:
        raise UserError(f"--live queries hold the store and may run at most {LIVE_TIMEOUT_S:g} s (got --timeout "
                        f"{timeout:g}); drop --live to query the snapshot without a limit of this kind.")
    protected = (settings.db_path, snapshot_path(settings.home), settings.models_dir)
    if output is not None:
        check_output(output, protected)                    # before anything else: the target is never at risk
    source = settings.db_path if live else require_snapshot(settings.home)
    run_query(source, query, fmt, output, out, timeout, protected=protected)


def _parse_date(text: Optional[str]) -> date:
    if text is None:
        from reviewlens.flows.clock import today
        return today(load_settings().timezone)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--date {text!r} is not a date; use YYYY-MM-DD.") from None


def quiet_prefect_console(verbose: bool) -> None:
    """Prefect logs at INFO on the console: its temporary server's banner and docs link on every command that runs a
    flow, each flow and task run's start and end. Without --verbose the console shows only its warnings and errors
    (the runs' full logs still reach the Prefect API and its UI). Set before Prefect is imported, which reads its
    logging settings once; a level the user set is kept."""
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


def main() -> None:
    debug = "--debug" in sys.argv
    quiet_prefect_console("--verbose" in sys.argv)
    quiet_user_errors()                               # the sentence below, not Prefect's traceback of it
    try:
        app()
    except Exception as exc:
        message = user_message(exc)                   # None: a bug, which keeps its traceback
        if message is None or debug:
            raise
        console.print(f"reviewlens: {message}", style="red", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
