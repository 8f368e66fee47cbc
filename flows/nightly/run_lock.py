"""One nightly run per workspace at a time: a second one stops at once, while an ingest or a live query holding
the store is waited for (connect's wait_s). DuckDB's own lock cannot tell these apart, so a nightly run also holds
an advisory lock on <home>/nightly.lock; the kernel releases it when the process ends, however it ends."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewlens.flows.errors import UserError

LOCK_FILE = "nightly.lock"


class RunInProgress(UserError):
    """Another nightly run holds the workspace."""


@contextmanager
def only_nightly_run(home: Path) -> Iterator[None]:
    """Hold the workspace's nightly lock for the block, or raise RunInProgress at once."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise RunInProgress(f"another nightly run{f' (process {holder})' if holder else ''} is running on {home}; "
                                "this one stops and that one goes on.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)                                           # closing releases the lock


def check_no_nightly_run(home: Path) -> None:
    """Raise RunInProgress if a nightly run holds the workspace now (a check before starting one)."""
    if (home / LOCK_FILE).exists():
        with only_nightly_run(home):
            pass
