"""The `allocator` setting: 'lean' retunes glibc's malloc in the process that asks, 'default' touches nothing.

Each case runs in a child process: the setting is process-wide and would slow the rest of the suite."""

import platform
import subprocess
import sys

import pytest

from reviewlens.flows.config import ConfigError, load_settings


def applied_in_child(mode: str) -> str:
    code = f"from reviewlens.flows.allocator import use_allocator; print(use_allocator({mode!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_lean_sets_the_mmap_threshold_where_the_c_library_is_glibc():
    assert applied_in_child("lean") == "True"


def test_default_changes_nothing():
    assert applied_in_child("default") == "False"


def test_an_unknown_allocator_is_one_sentence(tmp_path):
    with pytest.raises(ConfigError, match="'allocator' must be one of default, lean, got 'tcmalloc'"):
        load_settings(tmp_path / "none.toml", env={"REVIEWLENS_ALLOCATOR": "tcmalloc"})
