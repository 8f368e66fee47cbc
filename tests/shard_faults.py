"""Faults in shard scoring, injected from outside the product: the function the shard task scores a shard with is
wrapped in the test's own process and, through a Dask worker preload, in every worker process that starts while the
faults are on (a cluster the run starts itself, one the test starts, and the process that replaces a killed worker).

The wrapper leaves one file per attempt to score a shard in `folder/attempts`; a file `raise-once` / `kill-once` in
`folder` makes the next attempt raise / SIGKILL its own process (one attempt takes it, renaming it)."""

from __future__ import annotations

import functools
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dask
import pytest

FOLDER_KEY = "reviewlens-tests.shard-faults"     # in the Dask config, which a nanny hands to its worker processes


def faulty(score: Callable[..., int], folder: Path) -> Callable[..., int]:
    """`score` (shards.score_shard_files), counting attempts and taking the faults left in `folder`."""
    @functools.wraps(score)
    def attempt(shard, *args, **kwargs) -> int:
        attempts = folder / "attempts"
        attempts.mkdir(parents=True, exist_ok=True)
        (attempts / f"shard-{shard.number:06d}.{uuid.uuid4().hex[:8]}").touch()
        for fault in ("raise-once", "kill-once"):
            try:
                os.rename(folder / fault, folder / f"{fault}.taken-{shard.number:06d}")
            except FileNotFoundError:
                continue
            if fault == "kill-once":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"injected failure scoring shard {shard.number}")
        return score(shard, *args, **kwargs)
    return attempt


def dask_setup(worker) -> None:
    """Dask preload hook: wrap the scoring of this worker process."""
    from reviewlens.flows.scoring import shard_task

    shard_task.score_shard_files = faulty(shard_task.score_shard_files, Path(dask.config.get(FOLDER_KEY)))


@contextmanager
def shard_faults(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Faults from `folder` in this process's shard scoring and in that of every Dask worker started inside."""
    from reviewlens.flows.scoring import shard_task

    monkeypatch.setattr(shard_task, "score_shard_files", faulty(shard_task.score_shard_files, folder))
    with dask.config.set({"distributed.worker.preload": [__name__], FOLDER_KEY: str(folder)}):
        yield folder
