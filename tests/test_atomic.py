"""Write-then-rename (models/atomic.py): a reader finds the old file or folder or the new one, never half."""

from __future__ import annotations

import pytest

from reviewlens.models.atomic import atomic_path


def test_a_write_that_fails_leaves_the_old_file_and_no_leftovers(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(page) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert page.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_folder_is_replaced_whole(tmp_path):
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "stale.bin").write_text("x")
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        (tmp / "model.safetensors").write_text("y")
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors"]
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint"]
