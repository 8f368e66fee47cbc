"""The Prefect task that scores one shard, wherever the task runner puts it: a thread of the flow's process, or a
Dask worker process on this machine or another.

The model reaches each process once, not once per task: `worker_model` keeps the loaded model per process,
keyed by where it was loaded from (the folder name is the model version). In the flow's own process that is the
model the flow loaded; a Dask worker loads it on its first shard and reuses it for every later one. A model on an
fsspec URL (a remote shard root) is copied to a local folder first, once per process.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from fsspec.core import url_to_fs
from prefect import task
from prefect.cache_policies import NO_CACHE

from reviewlens.flows.allocator import give_back
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.scoring.runners import machine_cores
from reviewlens.flows.scoring.shards import Shard, is_remote, score_shard_files, scored_already
from reviewlens.models.inference import ReviewModel

@dataclass(frozen=True)
class ModelRef:
    """Where every worker can load the model from (a local folder path or an fsspec URL), and how it scores there:
    the command's scoring profile with the worker's torch threads, so a worker's scores are the flow process's."""
    location: str
    version: str
    profile: ScoringProfile


_models: dict[ModelRef, ReviewModel] = {}
_models_lock = threading.Lock()


def worker_model(ref: ModelRef) -> ReviewModel:
    """The model for this process, loaded on first use; a new version replaces the old one (one model per process)."""
    with _models_lock:
        if ref not in _models:
            _models.clear()
            _models[ref] = ref.profile.load(_local_folder(ref))
        return _models[ref]


def remember_model(ref: ModelRef, model: ReviewModel) -> None:
    """A model this process already loaded (the flow's own), so in-process shards do not load it again."""
    with _models_lock:
        _models.clear()
        _models[ref] = model


def _local_folder(ref: ModelRef) -> Path:
    if not is_remote(ref.location):
        return Path(url_to_fs(ref.location)[1])
    fs, path = url_to_fs(ref.location)
    local = Path(tempfile.gettempdir()) / "reviewlens-models" / ref.version
    if not (local / "manifest.json").exists():          # the checkpoint is verified against it when loaded
        staging = local.with_name(f"{ref.version}.{uuid.uuid4().hex[:8]}.partial")
        fs.get(path.rstrip("/") + "/", str(staging), recursive=True)
        try:
            staging.rename(local)
        except OSError:                                   # another worker of this machine got there first
            shutil.rmtree(staging, ignore_errors=True)
    return local


def _set_torch_threads(threads: int) -> None:
    """Intra-op threads for this process: the share of the machine's cores the flow gave this worker. 0 leaves
    the flow's own process alone; in a Dask worker (whose nanny sets OMP_NUM_THREADS=1) 0 means the machine's
    cores divided by the worker's task threads."""
    import torch

    if threads == 0:
        try:
            from distributed import get_worker
            worker = get_worker()
        except (ImportError, ValueError):
            return
        threads = max(1, machine_cores() // max(1, worker.state.nthreads))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@task(name="score_shard", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def score_shard(shard: Shard, model: ModelRef, run_id: str) -> int:
    """Score one exported shard into its results files; a failure is retried, and a worker that dies is replaced
    by the scheduler, which runs the shard again (the flow loads only whole results, idempotently). What the shard
    freed goes back to the system before the next one (flows/allocator.py)."""
    done = scored_already(shard)
    if done is not None:
        return done
    _set_torch_threads(model.profile.options.threads)
    scored = score_shard_files(shard, worker_model(model), run_id)
    give_back(model.profile.allocator)
    return scored
