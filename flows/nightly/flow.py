"""The nightly flow: score what is new, rebuild the insight tables, raise alerts, publish the run.

A run for a night before the one the insight tables hold (`reviewlens run --date` in the past, a backfill) writes
that night's page and alerts and leaves the newest night alone: its tables, page, headline and the history index.

What a crash leaves (README, "What is guaranteed after a crash"): scores are committed a shard at a time, so a killed
run keeps every loaded shard and the next one scores the rest; the insight tables and topic candidates change in one
transaction."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from reviewlens.flows.clock import today, utc_now
from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.nightly.topic_discovery import discover_topics
from reviewlens.flows.nightly.insights import rebuild_insights
from reviewlens.flows.nightly.review_terms import index_terms
from reviewlens.flows.nightly.run_lock import only_nightly_run
from reviewlens.flows.store.registry import require_active
from reviewlens.flows.nightly.dashboards import insights_as_of, record_headline, write_history, write_run_report
from reviewlens.flows.scoring.runners import api_for_workers, as_flow_task, cluster_threads, runner_plan
from reviewlens.flows.scoring.shard_task import ModelRef, remember_model, score_shard
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.scoring.shards import Shard, publish_model
from reviewlens.flows.scoring.stream import score_in_shards
from reviewlens.flows.store.connection import connect, run_script, sql_text, transaction
from reviewlens.flows.store.snapshot import publish_snapshot, snapshot_path
from reviewlens.models.inference import ReviewModel

console = Console(stderr=True)


STALE_DAYS = 28                # a store whose newest review is older than this on the run date gets a note


@dataclass
class RunSummary:
    run_id: str
    run_date: date
    model_version: str
    scored: int
    tables: dict[str, int]
    alerts: list[dict]
    report_path: str
    durations: dict[str, float] = field(default_factory=dict)
    newest_review: date | None = None       # the newest review's day up to the run date

    def stale_note(self) -> str | None:
        """What to do when the store's reviews end weeks before the run date (an old export run today): the page's
        last-7-days figures, alerts and topic moves are then empty, and nothing else would say why.

        >>> RunSummary("r", date(2026, 12, 5), "v", 0, {}, [], "", newest_review=date(2017, 12, 28)).stale_note()[:58]
        'the newest review is from 2017-12-28, 3,264 days before 20'
        >>> RunSummary("r", date(2026, 12, 5), "v", 0, {}, [], "", newest_review=date(2026, 12, 1)).stale_note() is None
        True
        """
        days = None if self.newest_review is None else (self.run_date - self.newest_review).days
        if days is None or days <= STALE_DAYS:
            return None
        return (f"the newest review is from {self.newest_review}, {days:,} days before {self.run_date}, so this page's "
                f"last 7 days hold none; `reviewlens run --date {self.newest_review}` reports on your data's last day.")


@task(cache_policy=NO_CACHE)
def start_run(con: duckdb.DuckDBPyConnection, run_date: date, model_version: str) -> str:
    """Record the run; runs left 'running' by a killed process are marked failed (we hold the only write lock)."""
    run_id = f"{run_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    run_script(con, "runs/start.sql", {"run_id": run_id, "run_date": run_date, "model_version": model_version,
                                        "now": utc_now()})
    return run_id


@task(cache_policy=NO_CACHE)
def score_new_reviews(con: duckdb.DuckDBPyConnection, model: ModelRef, run_id: str, settings: Settings) -> int:
    """Reviews the active model has not scored, in shards: each exported to Parquet, scored by a `score_shard` task
    on the task runner the settings choose (this process, a local Dask cluster, or a Dask scheduler's workers),
    and loaded in its own transaction. Shard tasks score with the model's profile, given each worker's threads."""
    plan = runner_plan(settings, model.profile)
    model = replace(model, profile=plan.profile)           # in this process: the same, so the flow's model is reused
    logger = get_run_logger()
    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TextColumn("reviews"),
                  TimeRemainingColumn(), console=console) as progress:
        bar = progress.add_task("scoring", total=None)
        committed = 0

        def on_shard(reviews: int) -> None:                # a log line per transaction: progress where no bar shows
            nonlocal committed
            committed += reviews
            progress.advance(bar, reviews)
            logger.info("committed the scores of %d reviews (%d so far)", reviews, committed)

        if settings.workers or settings.dask_address:
            console.print(f"scoring on {plan.description}")
        with api_for_workers(), plan.runner as runner:
            return score_in_shards(
                con, model.version, settings.shard_reviews, settings.shard_root,
                lambda shard: submit_shard(runner, shard, model, run_id),
                in_flight=plan.in_flight or max(2, 2 * cluster_threads(runner)), on_shard=on_shard,
                on_plan=lambda n: progress.update(bar, total=n))


def submit_shard(runner: TaskRunner, shard: Shard, model: ModelRef, run_id: str) -> PrefectFuture[int]:
    with as_flow_task():
        return runner.submit(score_shard, {"shard": shard, "model": model, "run_id": run_id})


@task(cache_policy=NO_CACHE)
def index_review_terms(con: duckdb.DuckDBPyConnection, run_date: date) -> int:
    """The words of new and edited reviews in the emerging-terms window, in pages, each its own transaction."""
    return index_terms(con, run_date)


@task(cache_policy=NO_CACHE)
def publish_insights(con: duckdb.DuckDBPyConnection, model: ReviewModel, settings: Settings, run_date: date) -> dict[str, int]:
    """Every insight table and the topic candidates (clusters of reviews no topic covers), one transaction: a
    reader, and a run killed part-way, finds the previous run's tables or this run's, never a mix."""
    with transaction(con):
        tables = rebuild_insights(con, settings, run_date)
        tables["topic_candidates"] = discover_topics(con, model, settings, run_date)
    return tables


@task(cache_policy=NO_CACHE)
def publish_dashboard(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, run_id: str,
                      latest: date | None) -> tuple[Path, dict]:
    """The run's page and its headline figures; `latest`: the newest night, when this run is a backfill."""
    return write_run_report(con, settings, run_date, run_id, latest=latest)


class _Discard(Exception):
    """Ends a backfill's transaction by rolling it back."""


@contextmanager
def backfill_apart(con: duckdb.DuckDBPyConnection, run_date: date) -> Iterator[None]:
    """A backfill's insight tables live only while its page is written: the block runs in a transaction that is
    rolled back, so the newest night's tables stay; then the backfill's own alerts (kept per run date) are put back."""
    alerts = None
    try:
        with transaction(con):
            yield
            alerts = con.sql(sql_text("runs/backfill_alerts.sql"), params={"run_date": run_date}).to_arrow_table()
            raise _Discard
    except _Discard:
        pass
    con.register("backfill_alerts", alerts)
    try:
        with transaction(con):
            run_script(con, "runs/restore_backfill_alerts.sql", {"run_date": run_date})
    finally:
        con.unregister("backfill_alerts")


@task(cache_policy=NO_CACHE)
def finish_run(con: duckdb.DuckDBPyConnection, summary: RunSummary, status: str, message: str | None = None) -> None:
    run_script(con, "runs/finish.sql", {
        "run_id": summary.run_id, "status": status, "now": utc_now(), "scored": summary.scored,
        "alerts": len(summary.alerts), "durations": json.dumps(summary.durations),
        "report_path": summary.report_path or None, "message": message,
    })


@task(cache_policy=NO_CACHE)
def publish_analyst_snapshot(con: duckdb.DuckDBPyConnection, settings: Settings, summary: RunSummary) -> None:
    """The completed run's store as the read-only copy `reviewlens sql` reads."""
    publish_snapshot(con, snapshot_path(settings.home), summary.run_id, summary.run_date, utc_now())


def publish_artifacts(summary: RunSummary, headline: dict) -> None:
    """A markdown summary, the alerts as a table, and a link to the dashboard, in the Prefect UI."""
    create_markdown_artifact(key="nightly-summary", description=f"reviewlens {summary.run_date}", markdown="\n".join([
        f"# reviewlens nightly run {summary.run_date}",
        f"- model: `{summary.model_version}`; newly scored: **{summary.scored:,}**",
        f"- reviews in the last 7 days: **{headline.get('reviews') or 0:,}**; net sentiment "
        f"**{headline.get('net_sentiment') or 0:+.1f}**; negative **{headline.get('negative_pct') or 0:.1f}%**",
        f"- alerts: **{len(summary.alerts)}**",
        f"- dashboard: `{summary.report_path}`",
    ]))
    create_table_artifact(key="nightly-alerts", table=summary.alerts or [{"message": "no alerts"}],
                          description="alerts, most severe first")
    create_link_artifact(key="nightly-dashboard", link=Path(summary.report_path).resolve().as_uri(), link_text="dashboard")


@flow(name="nightly", log_prints=True)
def nightly(run_date: date | None = None, home: str | None = None, workers: int | None = None,
            settings: Settings | None = None) -> RunSummary:
    """Score new reviews, rebuild insights and alerts, write the dashboard, record the run. `settings`: the
    command's own (`run`, `demo`); a scheduled run (`serve`) passes only `home`, and they are read here, once.
    `home` and `workers` (a local Dask cluster of that many processes; 0 scores in this process) override them."""
    settings = settings or load_settings()
    overrides = {"home": Path(home) if home else None, "workers": workers}
    settings = replace(settings, **{name: value for name, value in overrides.items() if value is not None})
    profile = ScoringProfile.from_settings(settings)
    run_date = run_date or today(settings.timezone)
    logger = get_run_logger()
    with only_nightly_run(settings.home):                                # a second run stops at once
        con = connect(settings.db_path, settings=settings, wait_s=settings.store_wait_seconds,
                      on_wait=logger.warning)                            # an ingest or a live query is waited for
        try:
            return _run(con, settings, profile, run_date)
        finally:
            con.close()


def load_scoring_model(profile: ScoringProfile, folder: Path, version: str, shard_root: str) -> tuple[ReviewModel, ModelRef]:
    """The model for this process, and where shard tasks load it from (the folder, or a copy on the shard root),
    with the same profile; in-process shard tasks reuse this very model."""
    model = profile.load(folder)
    ref = ModelRef(publish_model(folder, version, shard_root), version, profile)
    remember_model(ref, model)
    return model, ref


def _run(con: duckdb.DuckDBPyConnection, settings: Settings, profile: ScoringProfile, run_date: date) -> RunSummary:
    version, folder = require_active(con, settings.models_dir)
    model, ref = load_scoring_model(profile, folder, version, settings.shard_root)
    newest = insights_as_of(con)
    latest = newest if newest is not None and run_date < newest else None       # set: this run is a backfill
    summary = RunSummary(start_run(con, run_date, version), run_date, version, 0, {}, [], "")
    try:
        stage = time.perf_counter()
        summary.scored = score_new_reviews(con, ref, summary.run_id, settings)
        summary.newest_review = con.execute(sql_text("runs/newest_review.sql"), {"run_date": run_date}).fetchone()[0]
        summary.durations["score"], stage = time.perf_counter() - stage, time.perf_counter()
        index_review_terms(con, run_date)
        summary.durations["terms"], stage = time.perf_counter() - stage, time.perf_counter()
        with backfill_apart(con, run_date) if latest else nullcontext():
            summary.tables = publish_insights(con, model, settings, run_date)
            summary.durations["insights"], stage = time.perf_counter() - stage, time.perf_counter()
            summary.alerts = [dict(zip(("severity", "scope", "scope_id", "message"), row)) for row in con.execute(
                "SELECT severity, scope, scope_id, message FROM alerts WHERE run_date = ? ORDER BY statistic DESC",
                [run_date]).fetchall()]
            page, headline = publish_dashboard(con, settings, run_date, summary.run_id, latest)
        summary.report_path = str(page)
        record_headline(con, summary.run_id, headline)
        summary.durations["report"] = time.perf_counter() - stage
    except BaseException as exc:
        finish_run(con, summary, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finish_run(con, summary, "completed")
    write_history(con, settings)                           # after finish_run: the run's row shows its counts
    if not latest:                                         # the snapshot keeps the newest night's tables
        publish_analyst_snapshot(con, settings, summary)
    publish_artifacts(summary, headline["current"])
    return summary
