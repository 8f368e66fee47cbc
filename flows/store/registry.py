"""The model registry table: register trained models, activate one, find the active one.

Checkpoint paths are stored relative to the workspace's models folder and resolved against the settings in
use, so a copied or moved workspace loads its own models whatever the working directory."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from reviewlens.flows.clock import utc_now
from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import connect, query, transaction


class NoActiveModel(UserError):
    """Nothing can be scored before a model is trained and active."""


def register(con: duckdb.DuckDBPyConnection, version: str, preset: str, config: dict, fingerprint: str,
             metrics: dict, path: Path, activate: bool) -> None:
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO model_registry (model_version, created_at, preset, config, data_fingerprint, "
            "metrics, path, active) VALUES (?, ?, ?, ?, ?, ?, ?, false)",
            [version, utc_now(), preset, json.dumps(config, default=str), fingerprint,
             json.dumps(metrics, default=str), str(path)],
        )
        if activate:
            _activate(con, version)


def _activate(con: duckdb.DuckDBPyConnection, version: str) -> None:
    con.execute("UPDATE model_registry SET active = false WHERE active AND model_version <> ?", [version])
    con.execute("UPDATE model_registry SET active = true WHERE model_version = ?", [version])


def activate(con: duckdb.DuckDBPyConnection, version: str) -> None:
    known = [r[0] for r in con.execute("SELECT model_version FROM model_registry ORDER BY created_at").fetchall()]
    if version not in known:
        raise UserError(f"no model {version!r} in the registry; known: {', '.join(known) or 'none, train one first'}.")
    with transaction(con):
        _activate(con, version)


def checkpoint_folder(models_dir: Path, stored: str) -> Path:
    """The folder a registry path names in this workspace. A relative path is a folder under models_dir (rows
    written as 'var/models/NAME' relative to an old working directory count by NAME); an absolute one (rows
    written before paths were relative) is used as it is, unless this workspace holds a folder of that name.
    checkpoint_folder(Path('/srv/rl/models'), 'demo-20261128-021500-3fa9') -> Path('/srv/rl/models/demo-20261128-021500-3fa9')"""
    path = Path(stored)
    if not path.is_absolute() or (models_dir / path.name).is_dir():
        return models_dir / path.name
    return path


def active_model(con: duckdb.DuckDBPyConnection, models_dir: Path | None = None) -> tuple[str, Path] | None:
    """The active version and its checkpoint folder, resolved against models_dir (without it, the path as stored)."""
    row = con.execute("SELECT model_version, path FROM model_registry WHERE active").fetchone()
    if row is None:
        return None
    return row[0], Path(row[1]) if models_dir is None else checkpoint_folder(models_dir, row[1])


def require_active(con: duckdb.DuckDBPyConnection, models_dir: Path | None = None) -> tuple[str, Path]:
    found = active_model(con, models_dir)
    if found is None:
        raise NoActiveModel("no model is active yet; run `reviewlens train --preset demo` first.")
    return found


def activation_decision(new_score: float, active: tuple[str, float | None] | None, force: bool,
                        concerns: list[str] = ()) -> tuple[bool, str]:
    """Activate a new model when forced; never when its validation figures raise concerns (a sentiment it never gets
    right, a score below the baseline's); else when none is active, when the active one can no longer be loaded
    (score None), or when it is not worse than the active one. Scores are on the validation split, never test: a
    model chosen on test would make its test figures a selection, not a measurement."""
    old = "" if active is None or active[1] is None else f"score {new_score:.3f} vs {active[0]} {active[1]:.3f}"
    if force:
        despite = f", although on the validation split {'; '.join(concerns)}" if concerns else ""
        return True, f"activated (--activate{'; ' + old if old else ''}){despite}"
    if concerns:
        return False, "not activated: on the validation split, " + "; ".join(concerns)
    if active is None:
        return True, "activated (first model)"
    if active[1] is None:
        return True, f"activated: the active model {active[0]} can no longer be loaded"
    verdict = "activated" if new_score >= active[1] else "not activated, worse than the active model"
    return new_score >= active[1], f"{verdict}: {old} on the validation split"


def model_folder(settings: Settings, version: str | None) -> Path:
    """The checkpoint folder of a version, or of the active model."""
    con = connect(settings.db_path, read_only=True, settings=settings)
    try:
        if version is None:
            return require_active(con, settings.models_dir)[1]
        found = query(con, "store/model_path.sql", {"version": version})
    finally:
        con.close()
    if found.empty:
        raise UserError(f"no model {version!r} in the registry; `reviewlens models` lists them.")
    return checkpoint_folder(settings.models_dir, found["path"].iloc[0])
