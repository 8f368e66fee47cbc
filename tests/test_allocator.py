"""The `allocator` setting: 'bounded' (the default) gives the heap's free pages back after a shard and leaves glibc's
mmap threshold alone, 'lean' also fixes the threshold at 128 KiB, 'glibc' touches nothing.

Each case runs in a child process: the setting is process-wide and would change the rest of the suite."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from reviewlens.flows.config import ConfigError, Settings, load_settings

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's")


def in_child(code: str) -> str:
    """`code`'s output in a fresh interpreter whose malloc starts as glibc's own: no MALLOC_*_ variables (Dask's
    nanny sets MALLOC_TRIM_THRESHOLD_ in the process that imports it, which fixes the mmap threshold too)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          check=True, env=env).stdout.strip()


def mapped_after_a_bigger_free(mode: str) -> str:
    """Whether a 2 MiB block gets a mapping of its own once a 4 MiB one was freed (which raises glibc's own threshold)."""
    return in_child(f"""
        import ctypes
        from reviewlens.flows.allocator import use_allocator
        libc = ctypes.CDLL("libc.so.6")
        class Info(ctypes.Structure):
            _fields_ = [(n, ctypes.c_size_t) for n in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
        libc.mallinfo2.restype, libc.malloc.restype, libc.free.argtypes = Info, ctypes.c_void_p, [ctypes.c_void_p]
        use_allocator({mode!r})
        libc.free(libc.malloc(4 << 20))
        before = libc.mallinfo2().hblks
        block = libc.malloc(2 << 20)
        print(libc.mallinfo2().hblks > before)
    """)


def rss_given_back_mb(mode: str) -> str:
    """MB of RSS give_back returns after 200 MB of small blocks were freed under a block that pins the heap's top."""
    return in_child(f"""
        import psutil
        from reviewlens.flows.allocator import give_back, use_allocator
        use_allocator({mode!r})
        blocks = [bytes(4000) for _ in range(50_000)]
        pin = bytes(4000)
        del blocks
        before = psutil.Process().memory_info().rss
        give_back({mode!r})
        print(round((before - psutil.Process().memory_info().rss) / 2**20))
    """)


def test_bounded_is_the_default():
    assert Settings().allocator == "bounded"


@glibc_only
@pytest.mark.parametrize("mode, mapped", [("bounded", "False"), ("lean", "True"), ("glibc", "False")])
def test_only_lean_keeps_large_blocks_in_mappings_of_their_own(mode, mapped):
    assert mapped_after_a_bigger_free(mode) == mapped


@glibc_only
def test_bounded_and_lean_give_freed_heap_back_and_glibc_keeps_it():
    assert int(rss_given_back_mb("bounded")) > 100
    assert int(rss_given_back_mb("lean")) > 100
    assert int(rss_given_back_mb("glibc")) < 20


def test_batches_are_small_by_default():                    # with the trim, what keeps a night's peak low
    assert Settings().score_batch_tokens == 2_048


def test_glibc_changes_nothing():
    assert in_child("from reviewlens.flows.allocator import give_back, use_allocator; "
                    "print(use_allocator('glibc'), give_back('glibc'))") == "False False"


def test_an_unknown_allocator_is_one_sentence(tmp_path):
    with pytest.raises(ConfigError, match="'allocator' must be one of bounded, lean, glibc, got 'tcmalloc'"):
        load_settings(tmp_path / "none.toml", env={"REVIEWLENS_ALLOCATOR": "tcmalloc"})
