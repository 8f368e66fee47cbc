"""How a scoring process's C allocator gives memory back, chosen by the `allocator` setting.

glibc serves a block over its mmap threshold (128 KiB at first) from a mapping of its own, returned to the system
when freed; but each such free raises the threshold to the freed block's size (up to 32 MiB), so after the first
batch every activation of the encoder comes from the heap. Batches of ever different shapes then leave the heap
full of holes that no later batch fits and glibc never returns: a scoring process's RSS climbs shard after shard
(measured: 0.45 → 1.02 GB after 5 shards of 2,048 demo reviews, peaks climbing 0.83 → 1.18 GB).

- 'bounded' (the default) returns the heap's free pages with malloc_trim after each scored shard, and leaves the
  threshold alone, so a batch's activations come from the heap without page faults. With batches of 2,048 tokens
  (`score_batch_tokens`, the default since) the holes a batch leaves are small, and the trim empties them before
  the next shard. A night of 100,000 new reviews on a store of 100,000 (tests/benchmarks/bench_nightly.py) peaked
  at 1.34 GB against 2.24 GB for glibc with 16,384-token batches, in 0.99x the time; 4,096-token batches peaked at
  1.60 GB. (Fixing the threshold at 1 MiB instead was as lean, but its page faults made the night 1.3x slower;
  16 MiB kept the speed and peaked at 1.67 GB.)
- 'lean' fixes it at 128 KiB: a little less memory, but every block above it is a page-faulted mapping (scoring
  20-35% slower).
- 'glibc' leaves glibc as it is (the default before 'bounded').

A C library other than glibc (musl) is left alone whatever the setting.
"""

from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3                                    # mallopt parameter (glibc malloc.h)
MMAP_THRESHOLD = {"lean": 128 * 1024}         # bytes; 'bounded' and 'glibc': glibc's own, rising threshold
TRIMS = ("bounded", "lean")                   # modes that give the heap back after each shard
ALLOCATORS = ("bounded", "lean", "glibc")


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None   # musl has neither


def use_allocator(mode: str) -> bool:
    """Apply `mode` to this process; False when nothing changed ('glibc', or a C library that is not glibc)."""
    libc = _glibc()
    if mode not in MMAP_THRESHOLD or libc is None:
        return False
    return libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD[mode]) == 1


def give_back(mode: str) -> bool:
    """Return the heap's free pages to the system (after a shard, whose objects are all freed); True when some went
    back. Nothing under 'glibc' or a C library that is not glibc."""
    libc = _glibc()
    if mode not in TRIMS or libc is None:
        return False
    return libc.malloc_trim(0) == 1
