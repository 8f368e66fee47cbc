"""`reviewlens` commands run as a user runs them, each in its own process, for tests that kill them: output lines
as they arrive, the files a command holds open (from /proc), SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


# a sitecustomize.py for a command's PYTHONPATH: the first page or export it writes stops half-way with ENOSPC, as on
# a full disk (where `mount -t tmpfs` is not allowed, this is the full disk the tests can make)
ENOSPC_ON_FIRST_PAGE = '''
import errno, pathlib
_write_text = pathlib.Path.write_text
def write_text(self, data, *args, **kwargs):
    if self.name.endswith(".partial"):
        with self.open("w", encoding="utf-8") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))
    return _write_text(self, data, *args, **kwargs)
pathlib.Path.write_text = write_text
'''


def task_finished(name: str) -> str:
    """The line Prefect logs when a task of a flow finishes, e.g. task_finished('start_run')."""
    return rf"Task run '{name}-\w+' - Finished in state"


class Command:
    """One `reviewlens ARGS` process (its own process group) with REVIEWLENS_HOME=home and extra environment."""

    def __init__(self, args: list[str], home: Path, **env: str):
        self.args = args
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reviewlens.flows.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "REVIEWLENS_HOME": str(home), **env})
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(line.rstrip("\n") for line in self.proc.stdout),
                                       daemon=True)
        self.reader.start()

    def output(self) -> str:
        return "\n".join(self.lines)

    def saw(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in list(self.lines))

    def holds_open(self, path: Path) -> bool:
        fds = Path(f"/proc/{self.proc.pid}/fd")
        target = str(path.resolve())
        try:
            names = os.listdir(fds)
        except OSError:
            return False
        for fd in names:
            try:
                if os.readlink(fds / fd) == target:
                    return True
            except OSError:
                continue
        return False

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 600) -> None:
        """Poll until condition() holds; the command ending first (or the timeout) fails the test, with its output."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"`reviewlens {' '.join(self.args)}` ended or timed out before {what}:\n"
                                     + self.output()[-3000:])
            time.sleep(0.002)

    def kill(self) -> None:
        """SIGKILL the command, then anything it started (its process group); wait for it to be gone."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.reader.join(timeout=10)

    def finish(self, timeout: float = 600) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.kill()
