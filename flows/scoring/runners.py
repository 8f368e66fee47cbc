"""The task runner that scores shards, chosen by settings: in-process threads by default; a Dask LocalCluster of
`workers` processes on this machine; or an existing Dask scheduler at `dask_address` (tcp://host:8786).

Torch already uses every core of a process, so the default scores one shard at a time in one thread, and the
flow's export and load of the next shard wait for it (overlapping them made torch's parallel regions wait on a
core DuckDB held: slower on 2 cores). A local cluster gives each of its single-threaded workers an equal share of
the cores: N workers x cores/N torch threads, never more threads than cores; there the flow keeps two shards per
worker thread in flight. Dask's own logs are kept at WARNING.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from reviewlens.flows.config import Settings
from reviewlens.flows.scoring.options import ScoringProfile

DASK_LOGGERS = ("distributed", "distributed.scheduler", "distributed.worker", "distributed.nanny", "distributed.core",
                "distributed.http.proxy", "bokeh", "tornado", "prefect.task_runner.dask")


@dataclass(frozen=True)
class RunnerPlan:
    """What scores the shards: a description for the log, the runner, and how a shard task scores where the runner
    puts it (the command's profile with the torch threads of one worker)."""
    description: str
    runner: TaskRunner
    profile: ScoringProfile  # its threads: 0 = leave the process alone (in-process) or the worker's own share
    in_flight: int           # shards exported and submitted ahead of the loads; 0 = twice the cluster's task threads


def machine_cores() -> int:
    return len(os.sched_getaffinity(0))


def quiet_dask() -> None:
    """Dask logs only warnings and errors (a worker lost, a task retried by the scheduler)."""
    import dask

    dask.config.set({"logging.distributed": "warning", "distributed.admin.log-format": "%(name)s - %(message)s"})
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def runner_plan(settings: Settings, profile: ScoringProfile) -> RunnerPlan:
    """The runner the settings ask for (dask_address wins over workers), and how its shard tasks score."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        quiet_dask()
        return RunnerPlan(f"the Dask cluster at {settings.dask_address}", DaskTaskRunner(address=settings.dask_address),
                          profile.with_threads(profile.worker_threads), 0)
    if settings.workers > 0:
        from prefect_dask import DaskTaskRunner

        quiet_dask()
        threads = profile.worker_threads or max(1, machine_cores() // settings.workers)
        cluster = {"n_workers": settings.workers, "threads_per_worker": 1, "processes": True,
                   "dashboard_address": None, "silence_logs": logging.WARNING}
        return RunnerPlan(f"a local Dask cluster of {settings.workers} workers x {threads} torch threads",
                          DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=cluster),
                          profile.with_threads(threads), 2 * settings.workers)
    return RunnerPlan("this process", ThreadPoolTaskRunner(max_workers=1), profile, 1)


@contextmanager
def as_flow_task() -> Iterator[None]:
    """Submit from inside a task as if from the flow: Dask ships the submitting context to the worker, and the
    enclosing task's parameters (the store's connection) cannot travel; the shard tasks need none of it."""
    from prefect.context import TaskRunContext

    token = TaskRunContext.__var__.set(None)
    try:
        yield
    finally:
        TaskRunContext.__var__.reset(token)


@contextmanager
def api_for_workers() -> Iterator[None]:
    """Without PREFECT_API_URL this process runs a temporary Prefect server; its address goes to the workers with
    the task's context, so a worker reports to it instead of starting a server of its own. (Workers on other
    machines need a server they can reach: set PREFECT_API_URL.)"""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    with get_client(sync_client=True) as client:
        url = str(client.api_url).rstrip("/")
    with temporary_settings({PREFECT_API_URL: url}):
        yield


def cluster_threads(runner: TaskRunner) -> int:
    """Task threads of every worker of a started Dask runner's cluster (those connected now)."""
    workers = runner.client.scheduler_info(n_workers=-1)["workers"].values()
    return sum(w.get("nthreads", 1) for w in workers)
