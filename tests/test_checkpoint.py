"""Checkpoint folders: a manifest that must cover every file the loader reads, and saves that never lose
the previous checkpoint. Small real folders (a few tensors, a word-level tokenizer), no model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel

from reviewlens.models.checkpoint import CheckpointError, load_checkpoint, save_checkpoint, verify


def save(folder: Path, value: float = 1.0, kind: str = "pretrained") -> Path:
    tokenizer = Tokenizer(WordLevel({"[UNK]": 0, "fabric": 1}, unk_token="[UNK]"))
    extra = {"taxonomy.toml": "[fit]\nen = ['size']\n"} if kind == "classifier" else None
    return save_checkpoint(folder, {"w": torch.full((2,), value)}, {"kind": kind}, tokenizer, {"ok": value}, extra)


def rewrite_manifest(folder: Path, drop: str | None = None, everything: bool = False) -> None:
    manifest = folder / "manifest.json"
    sums = {} if everything else {k: v for k, v in json.loads(manifest.read_text()).items() if k != drop}
    manifest.write_text(json.dumps(sums))


def test_an_empty_manifest_is_refused(tmp_path):
    folder = save(tmp_path / "v1")
    rewrite_manifest(folder, everything=True)
    with pytest.raises(CheckpointError, match="does not list"):
        verify(folder)
    with pytest.raises(CheckpointError, match="does not list"):
        load_checkpoint(folder)


@pytest.mark.parametrize("kind, name", [
    ("pretrained", "model.safetensors"), ("pretrained", "config.json"), ("pretrained", "metrics.json"),
    ("pretrained", "tokenizer.json"), ("classifier", "taxonomy.toml"),
])
def test_a_manifest_missing_a_file_the_loader_reads_is_refused(tmp_path, kind, name):
    folder = save(tmp_path / "v1", kind=kind)
    rewrite_manifest(folder, drop=name)
    with pytest.raises(CheckpointError, match=rf"does not list {name}"):
        load_checkpoint(folder)


def test_a_complete_checkpoint_loads(tmp_path):
    folder = save(tmp_path / "v1", kind="classifier")
    assert set(verify(folder)) == {"model.safetensors", "config.json", "metrics.json", "tokenizer.json", "taxonomy.toml"}
    assert load_checkpoint(folder).metrics == {"ok": 1.0}


def test_saving_over_a_checkpoint_replaces_it_and_leaves_nothing_behind(tmp_path):
    folder = save(tmp_path / "v1", 1.0)
    save(folder, 2.0)
    assert load_checkpoint(folder).metrics == {"ok": 2.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]


def test_a_save_that_fails_at_the_last_step_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    folder = save(tmp_path / "v1", 1.0)

    def failing(real):
        def move(source, target, *args, **kwargs):
            if str(source).endswith(".partial") and Path(source).is_dir():   # the finished folder moving in
                raise OSError(28, "No space left on device")
            return real(source, target, *args, **kwargs)
        return move

    for owner, name in ((os, "replace"), (os, "rename"), (Path, "rename"), (Path, "replace")):
        monkeypatch.setattr(owner, name, failing(getattr(owner, name)))
    with pytest.raises(OSError):
        save(folder, 2.0)
    monkeypatch.undo()
    assert load_checkpoint(folder).metrics == {"ok": 1.0}


def test_saving_removes_the_old_folder_only_after_the_new_one_is_in_place(tmp_path, monkeypatch):
    folder = save(tmp_path / "v1", 1.0)
    seen = []
    real_rmtree = shutil.rmtree

    def rmtree(path, *args, **kwargs):
        if not str(path).endswith(".partial"):
            seen.append(json.loads((folder / "metrics.json").read_text()) if folder.is_dir() else "no checkpoint")
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    save(folder, 2.0)
    assert seen and all(metrics == {"ok": 2.0} for metrics in seen), seen


def test_a_save_killed_between_its_two_moves_is_recoverable(tmp_path):
    folder = save(tmp_path / "v1", 1.0)
    folder.rename(tmp_path / "v1.old")                  # the old one moved aside, the new one not yet in
    with pytest.raises(CheckpointError, match=r"v1\.old holds the previous one .* rename it back to v1"):
        load_checkpoint(folder)
    save(folder, 2.0)
    assert load_checkpoint(folder).metrics == {"ok": 2.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]
