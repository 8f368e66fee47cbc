"""`reviewlens classify`: ad-hoc texts (arguments, a file or stdin) scored by a model, one JSON line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.scoring.options import scoring_options
from reviewlens.flows.training.evaluation import model_folder
from reviewlens.models.classifier import SENTIMENTS
from reviewlens.models.inference import ReviewModel


def read_texts(args: list[str], source: str | None) -> list[str]:
    texts = list(args)
    if source == "-":
        texts += [line.rstrip("\n") for line in sys.stdin if line.strip()]
    elif source:
        path = Path(source)
        if not path.is_file():
            raise UserError(f"{path} does not exist; pass a .jsonl or .csv file, or - for stdin.")
        frame = pd.read_json(path, lines=True) if path.suffix in {".jsonl", ".ndjson"} else pd.read_csv(path)
        column = next((c for c in ("body", "text") if c in frame.columns), None)
        if column is None:
            raise UserError(f"{path.name} has no 'body' or 'text' column (found: {', '.join(map(str, frame.columns))}).")
        texts += frame[column].fillna("").astype(str).tolist()
    if not texts:
        raise UserError("no texts to classify; pass them as arguments, with --input FILE, or --input - on stdin.")
    return texts


def classify_texts(settings: Settings, texts: list[str], version: str | None) -> Iterator[str]:
    model = ReviewModel.load(model_folder(settings, version), settings.device, scoring_options(settings))
    for text, scored in zip(texts, model.score(texts, settings.score_batch_tokens, embeddings=False)):
        yield json.dumps({
            "text": text,
            "sentiment": scored.sentiment,
            **{f"p_{name}": round(float(p), 4) for name, p in zip(SENTIMENTS, scored.probs)},
            "topics": {t: round(scored.topic_scores[t], 4) for t in scored.topics},
            "aspects": [{"clause": text[a.start:a.end], "topic": a.topic, "sentiment": a.sentiment,
                         "score": round(a.score, 4)} for a in scored.aspects],
            "model_version": model.version,
        }, ensure_ascii=False)
