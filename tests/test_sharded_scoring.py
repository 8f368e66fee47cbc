"""Sharded scoring on real Dask clusters through Prefect's DaskTaskRunner: the same scores as one process, a failed
shard retried, a worker killed mid-shard costing only that shard, and shard files that are safe to export, load
and leave behind twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.nightly.flow import nightly
from reviewlens.flows.scoring.shards import (
    REVIEWS, SCORES, clear_shards, export_shard, load_shard, plan_shards, score_shard_files)
from reviewlens.flows.store.connection import connect
from tests.fixtures import restoring
from tests.helpers import score_unscored
from tests.shard_faults import shard_faults
from tests.test_scoring import WordModel, write_csv

RUN = date(2026, 11, 28)
SHARD_REVIEWS = 100            # the fixture's 600 reviews in 6 shards


def scored(settings) -> dict[str, list]:
    """What scoring wrote, without the columns that say when or by which run."""
    con = connect(settings.db_path, read_only=True)
    try:
        return {"scores": con.execute("SELECT * EXCLUDE (run_id, scored_at) FROM review_scores ORDER BY ALL").fetchall(),
                "aspects": con.execute("SELECT * FROM review_aspects ORDER BY ALL").fetchall()}
    finally:
        con.close()


def attempts(faults: Path) -> dict[str, int]:
    """How many times each shard was started (tests/shard_faults.py leaves one file per attempt)."""
    counts: dict[str, int] = {}
    for path in (faults / "attempts").iterdir():
        counts[path.name.split(".")[0]] = counts.get(path.name.split(".")[0], 0) + 1
    return counts


@pytest.fixture(scope="module")
def single_process(trained_home) -> dict[str, list]:
    """The scores of a nightly run in one process, the store put back afterwards."""
    settings, _ = trained_home
    with restoring(settings), pytest.MonkeyPatch.context() as env:
        env.setenv("REVIEWLENS_SHARD_REVIEWS", str(SHARD_REVIEWS))
        assert nightly(RUN, str(settings.home), workers=0).scored == 600
        return scored(settings)


@pytest.fixture
def faults(tmp_path, monkeypatch) -> Iterator[Path]:
    """The folder of tests/shard_faults.py, its faults on in this process and in every Dask worker started."""
    folder = tmp_path / "faults"
    folder.mkdir()
    monkeypatch.setenv("REVIEWLENS_SHARD_REVIEWS", str(SHARD_REVIEWS))
    with shard_faults(folder, monkeypatch):
        yield folder


@pytest.mark.slow
def test_a_sharded_run_on_a_local_cluster_of_two_workers_scores_exactly_as_one_process(
        single_process, changed_trained_home, faults):
    settings, _ = changed_trained_home
    summary = nightly(RUN, str(settings.home), workers=2)
    assert summary.scored == 600
    assert scored(settings) == single_process
    assert sorted(attempts(faults).values()) == [1] * 6
    assert not list(Path(settings.shard_root).glob("shard-*"))         # shard files are removed once loaded


@pytest.mark.slow
def test_a_shard_task_that_raises_once_is_retried_and_the_run_completes(single_process, changed_trained_home, faults):
    settings, _ = changed_trained_home
    (faults / "raise-once").touch()
    assert nightly(RUN, str(settings.home), workers=0).scored == 600
    assert scored(settings) == single_process
    counts = attempts(faults)
    assert sorted(counts.values()) == [1] * 5 + [2]                   # one shard twice: the failure and its retry


@pytest.mark.slow
def test_a_worker_killed_mid_shard_costs_a_rescore_of_that_shard_and_nothing_else(
        single_process, changed_trained_home, faults, monkeypatch):
    """On a cluster the run connects to by address (REVIEWLENS_DASK_ADDRESS), as on several machines."""
    from distributed import LocalCluster

    settings, _ = changed_trained_home
    (faults / "kill-once").touch()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        monkeypatch.setenv("REVIEWLENS_DASK_ADDRESS", cluster.scheduler_address)
        monkeypatch.setenv("REVIEWLENS_WORKER_THREADS", "1")         # two workers share this machine's cores
        assert nightly(RUN, str(settings.home)).scored == 600
    assert not (faults / "kill-once").exists()                        # a worker took it and SIGKILLed itself
    assert scored(settings) == single_process
    assert sorted(attempts(faults).values()) == [1] * 5 + [2]          # the killed shard again, no other


def test_shard_export_and_load_are_idempotent_and_leftovers_of_a_killed_run_are_never_loaded(con, tmp_path):
    model, root = WordModel(), str(tmp_path / "shards")
    ingest_file(con, write_csv(tmp_path / "a.csv", [f"r{i:02d},p,Lovely dress number {i},2026-10-01" for i in range(25)]))
    plans = plan_shards(con, model.version, 10)
    assert [p.reviews for p in plans] == [10, 10, 5]

    first = export_shard(con, plans[0], model.version, root)
    content = Path(first.file(REVIEWS)).read_bytes()
    assert export_shard(con, plans[0], model.version, root) == first
    assert Path(first.file(REVIEWS)).read_bytes() == content          # exported again: the same file

    assert score_shard_files(first, model, "run") == 10
    assert load_shard(con, first, model.version) == 10
    once = con.execute("SELECT * EXCLUDE (scored_at) FROM review_scores ORDER BY ALL").fetchall()
    aspects = con.execute("SELECT * FROM review_aspects ORDER BY ALL").fetchall()
    load_shard(con, first, model.version)                             # loaded twice: nothing added
    assert con.execute("SELECT * EXCLUDE (scored_at) FROM review_scores ORDER BY ALL").fetchall() == once
    assert con.execute("SELECT * FROM review_aspects ORDER BY ALL").fetchall() == aspects
    assert [p.reviews for p in plan_shards(con, model.version, 10)] == [10, 5]

    # a killed run left a scored shard for reviews that were edited since: the next run rescores, never loads it
    left = export_shard(con, plans[1], model.version, root)
    score_shard_files(left, model, "killed")
    ingest_file(con, write_csv(tmp_path / "b.csv", ["r12,p,Terrible: it fell apart,2026-10-05"]))
    assert score_unscored(con, model, "next", 10, root=root) == 15
    assert not list(Path(root).glob("shard-*"))
    assert con.execute("SELECT count(*), count(DISTINCT review_id) FROM review_scores").fetchone() == (25, 25)
    assert con.execute("SELECT sentiment, run_id FROM review_scores WHERE review_id = 'r12'").fetchone() == ("negative", "next")
    assert clear_shards(root) is None and Path(left.file(SCORES)).exists() is False


def test_the_runner_follows_the_settings_and_never_gives_workers_more_torch_threads_than_cores():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from reviewlens.flows.config import Settings
    from reviewlens.flows.scoring.options import ScoringProfile
    from reviewlens.flows.scoring.runners import machine_cores, runner_plan

    def plan(settings: Settings):
        return runner_plan(settings, ScoringProfile.from_settings(settings))

    default = plan(Settings())
    assert isinstance(default.runner, ThreadPoolTaskRunner) and default.profile.options.threads == 0  # torch's own: all cores
    local = plan(Settings(workers=2))
    assert isinstance(local.runner, DaskTaskRunner)
    assert local.runner.cluster_kwargs["n_workers"] == 2 and local.runner.cluster_kwargs["threads_per_worker"] == 1
    assert local.profile.options.threads * 2 <= max(2, machine_cores())
    assert local.profile.with_threads(0) == ScoringProfile.from_settings(Settings(workers=2))   # only threads differ
    remote = plan(Settings(workers=2, dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(remote.runner, DaskTaskRunner) and remote.runner.address == "tcp://10.0.0.5:8786"
