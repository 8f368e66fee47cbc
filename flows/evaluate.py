"""`reviewlens eval`: a registered model on today's fixed test split, with the baseline beside it."""

from __future__ import annotations

import json
from pathlib import Path

from flows.config import Settings
from flows.errors import UserError
from flows.pretraining import load_corpus
from flows.registry import require_active
from flows.store import connect
from flows.topic_eval import evaluate_topics
from flows.training import evaluate
from models.inference import ReviewModel


def model_folder(settings: Settings, version: str | None) -> Path:
    """The checkpoint folder of a version, or of the active model."""
    con = connect(settings.db_path, read_only=True)
    try:
        if version is None:
            return require_active(con)[1]
        row = con.execute("SELECT path FROM model_registry WHERE model_version = ?", [version]).fetchone()
    finally:
        con.close()
    if row is None:
        raise UserError(f"no model {version!r} in the registry; `reviewlens models` lists them.")
    return Path(row[0])


def evaluate_version(settings: Settings, version: str | None) -> dict:
    folder = model_folder(settings, version)
    model = ReviewModel.load(folder)
    frame = load_corpus(settings.db_path).frame
    metrics = {"sentiment": evaluate(model, frame[frame["split"] == "train"], frame[frame["split"] == "test"])}
    topics = evaluate_topics(model, frame)
    if topics is not None:
        metrics["topics"] = topics
    stored = json.loads((folder / "metrics.json").read_text())
    for key in ("random_init", "pretrain"):
        if key in stored:
            metrics[key] = stored[key]
    return metrics
