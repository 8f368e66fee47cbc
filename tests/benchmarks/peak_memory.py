"""Peak resident memory of this process since it started, for benchmarks that run each case in a child process."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """VmHWM from /proc (reset by exec); getrusage's ru_maxrss keeps the parent's peak across fork and exec, so a
    child started by a parent that had generated a large file would report the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
