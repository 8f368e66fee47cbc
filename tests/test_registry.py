"""Registering trained models on a small real store: unique versions, activation re-checked under the write
lock, checkpoint paths that follow the workspace. A stand-in model is saved, so nothing is trained."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import reviewlens.flows.training.flow as train_module
from reviewlens.flows.config import Settings
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.store.connection import connect
from reviewlens.flows.store.registry import active_model, register

def figures(zh_accuracy: float, en_macro_f1: float, neutral_found: bool = True) -> dict:
    """Per-language figures as evaluate() reports them, reduced to what selection reads."""
    en_f1 = {"negative": 0.8, "neutral": 0.6 if neutral_found else 0.0, "positive": 0.9}
    return {"zh": {"model": {"accuracy": zh_accuracy, "per_class_f1": {"negative": 0.9, "positive": 0.9},
                             "confusion": [[9, 1], [1, 9]]}},
            "en": {"model": {"macro_f1": en_macro_f1, "per_class_f1": en_f1,
                             "confusion": [[8, 1, 1], [2, 3 if neutral_found else 0, 3], [1, 1, 8]]}}}


GOOD = {"sentiment": figures(0.9, 0.8), "validation": figures(0.9, 0.8)}
PRESET = SimpleNamespace(name="tiny", finetune=SimpleNamespace(to_dict=dict), pretrain=SimpleNamespace(to_dict=dict))
CORPUS = SimpleNamespace(fingerprint="f", frame=pd.DataFrame({"source": pd.Series([], dtype=object)}))


class SavedModel:
    """Saves a checkpoint folder the way ReviewModel.save does (the registry never looks inside it)."""

    def save(self, folder: Path, config: dict, metrics: dict) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.safetensors").write_bytes(b"weights")
        return folder


def frozen_clock() -> datetime:
    return datetime(2026, 11, 28, 2, 15, 0)


def register_new(settings: Settings, force: bool = False, metrics: dict = GOOD):
    connect(settings.db_path).close()                   # training reads the store first, so it exists
    return train_module.register_model.fn(settings, SavedModel(), metrics, CORPUS, PRESET, force,
                                          ScoringProfile.from_settings(settings))


def test_two_models_registered_in_the_same_second_get_different_versions(tmp_path, monkeypatch):
    monkeypatch.setattr(train_module, "utc_now", frozen_clock)
    settings = Settings(home=tmp_path)
    first, second = register_new(settings, force=True), register_new(settings, force=True)
    assert first.version != second.version
    assert first.version.startswith("tiny-20261128-021500")
    assert first.folder != second.folder and first.folder.is_dir() and second.folder.is_dir()
    with connect(settings.db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM model_registry").fetchone()[0] == 2


def test_activation_is_re_checked_under_the_write_lock(tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)
    with connect(settings.db_path) as con:
        register(con, "old", "tiny", {}, "f", {}, tmp_path / "old", activate=True)
        register(con, "other", "tiny", {}, "f", {}, tmp_path / "other", activate=False)

    def evaluate_while_another_run_activates(folder, corpus, profile):
        with connect(settings.db_path) as con:          # e.g. `reviewlens models --activate other` meanwhile
            con.execute("UPDATE model_registry SET active = (model_version = 'other')")
        return 0.1                                      # the new model beats 'old' by far

    monkeypatch.setattr(train_module, "active_score", evaluate_while_another_run_activates)
    summary = register_new(settings)
    assert not summary.active
    assert "not activated" in summary.reason and "'other'" in summary.reason and "'old'" in summary.reason
    with connect(settings.db_path, read_only=True) as con:
        assert active_model(con)[0] == "other"
        assert con.execute("SELECT active FROM model_registry WHERE model_version = ?", [summary.version]).fetchone() == (False,)


def test_an_unchanged_active_model_still_lets_a_better_one_activate(tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)
    with connect(settings.db_path) as con:
        register(con, "old", "tiny", {}, "f", {}, tmp_path / "old", activate=True)
    monkeypatch.setattr(train_module, "active_score", lambda folder, corpus, profile: 0.1)
    summary = register_new(settings)
    assert summary.active
    with connect(settings.db_path, read_only=True) as con:
        assert active_model(con)[0] == summary.version


def test_models_are_compared_on_the_validation_split_never_on_test(tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)
    with connect(settings.db_path) as con:
        register(con, "old", "tiny", {}, "f", {}, tmp_path / "old", activate=True)
    monkeypatch.setattr(train_module, "active_score", lambda folder, corpus, profile: 0.80)
    better_on_test_only = {"sentiment": figures(0.99, 0.99), "validation": figures(0.80, 0.78)}
    summary = register_new(settings, metrics=better_on_test_only)
    assert not summary.active
    assert summary.reason == (f"not activated, worse than the active model: score 0.790 vs old 0.800 on the validation "
                              f"split; to use it anyway: `reviewlens models --activate {summary.version}`")


def test_a_model_that_never_finds_a_sentiment_is_registered_but_not_activated(tmp_path):
    settings = Settings(home=tmp_path)
    blind = {"sentiment": figures(0.9, 0.8), "validation": figures(0.9, 0.6, neutral_found=False)}
    summary = register_new(settings, metrics=blind)
    assert not summary.active
    assert summary.reason == ("not activated: on the validation split, en: it finds none of the 5 neutral reviews "
                              "(neutral F1 is 0); to use it anyway: "
                              f"`reviewlens models --activate {summary.version}`")
    with connect(settings.db_path, read_only=True) as con:
        assert active_model(con) is None
        assert con.execute("SELECT count(*) FROM model_registry").fetchone()[0] == 1
    assert register_new(settings, force=True, metrics=blind).active


def test_a_copied_workspace_uses_its_own_models_whatever_the_working_directory(tmp_path, monkeypatch):
    original = Settings(home=tmp_path / "old-disk" / "var")
    summary = register_new(original)
    with connect(original.db_path, read_only=True) as con:
        stored = con.execute("SELECT path FROM model_registry").fetchone()[0]
    assert not Path(stored).is_absolute()
    shutil.copytree(original.home, tmp_path / "new-disk" / "var")
    shutil.rmtree(tmp_path / "old-disk")
    monkeypatch.chdir(tmp_path)
    moved = Settings(home=tmp_path / "new-disk" / "var")
    with connect(moved.db_path, read_only=True) as con:
        version, folder = active_model(con, moved.models_dir)
    assert version == summary.version
    assert folder == moved.models_dir / summary.version and folder.is_dir()


def test_older_registry_rows_still_load(tmp_path):
    settings = Settings(home=tmp_path / "var")
    elsewhere = tmp_path / "elsewhere" / "m-abs"
    elsewhere.mkdir(parents=True)
    with connect(settings.db_path) as con:
        register(con, "m-abs", "tiny", {}, "f", {}, elsewhere, activate=True)                 # absolute (until now)
        assert active_model(con, settings.models_dir)[1] == elsewhere
        register(con, "m-rel", "tiny", {}, "f", {}, Path("var/models/m-rel"), activate=True)  # relative to the old cwd
        assert active_model(con, settings.models_dir)[1] == settings.models_dir / "m-rel"


def test_an_absolute_row_pointing_at_another_workspace_uses_this_workspaces_copy(tmp_path):
    settings = Settings(home=tmp_path / "copy")
    (settings.models_dir / "m1").mkdir(parents=True)
    with connect(settings.db_path) as con:
        register(con, "m1", "tiny", {}, "f", {}, tmp_path / "original" / "models" / "m1", activate=True)
        assert active_model(con, settings.models_dir)[1] == settings.models_dir / "m1"


def test_eval_and_classify_find_a_version_in_this_workspace(tmp_path):
    from reviewlens.flows.store.registry import model_folder
    settings = Settings(home=tmp_path)
    summary = register_new(settings, force=True)
    assert model_folder(settings, None) == settings.models_dir / summary.version
    assert model_folder(settings, summary.version) == settings.models_dir / summary.version
