"""`reviewlens eval`: a registered model on today's fixed test split, with the baseline beside it."""

from __future__ import annotations

import json
from pathlib import Path

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.training.pretrain_step import load_corpus
from reviewlens.flows.store.registry import require_active
from reviewlens.flows.store.connection import connect
from reviewlens.flows.training.topic_gold import evaluate_topics
from reviewlens.flows.training.finetune_step import evaluate
from reviewlens.models.inference import ReviewModel


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
