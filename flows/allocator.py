"""How a scoring process's C allocator gives memory back, chosen by the `allocator` setting.

glibc serves a block over its mmap threshold (128 KiB at first) from a mapping of its own, returned to the system
when freed; but each such free raises the threshold to the freed block's size (up to 32 MiB), so after the first
batch every activation of the encoder comes from the heap. Batches of ever different shapes then leave the heap
full of holes that no later batch fits and glibc never returns: a scoring process's RSS climbs shard after shard
(measured: 0.45 → 1.02 GB after 5 shards of 2,048 demo reviews, peaks climbing 0.83 → 1.18 GB).

- 'bounded' (the default) fixes the threshold at 1 MiB: activations (MBs each) are mappings of their own, given back
  when freed, while the many small blocks stay in the heap; and each scored shard ends with malloc_trim, which
  returns the heap's free pages (the same shards: 0.53 GB after each, peaks 0.61-0.68 GB, flat; a night of 20,000
  new reviews on a store of 20,000 peaked at 1.11 GB instead of 1.84 GB).
- 'lean' fixes it at 128 KiB: a little less memory, but every block above it is a page-faulted mapping (scoring
  20-35% slower).
- 'glibc' leaves glibc as it is (the default before 'bounded').

A C library other than glibc (musl) is left alone whatever the setting.
"""

from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3                                    # mallopt parameter (glibc malloc.h)
MMAP_THRESHOLD = {"bounded": 1024 * 1024, "lean": 128 * 1024}   # bytes; 'glibc': glibc's own, rising threshold
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
    if mode not in MMAP_THRESHOLD or libc is None:
        return False
    return libc.malloc_trim(0) == 1
