"""`reviewlens classify`: ad-hoc texts (arguments, a file or stdin) scored by a model, one JSON line each."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.store.registry import model_folder
from reviewlens.models.classifier import SENTIMENTS

JSONL_FIX = 'give every line one JSON object with a "body" or "text" string.'
CSV_FIX = "fix the quoting or export the file again."


def read_texts(args: list[str], source: str | None) -> list[str]:
    """The texts to score: the arguments, then a .jsonl/.ndjson file, any other file as CSV, or stdin (`-`): JSON
    Lines when its first line starts with `{`, else one text per line. Input that cannot be scored (malformed, not
    UTF-8, an empty text) is a UserError naming where, instead of a traceback or JSON syntax scored as text."""
    texts = [_non_empty(text, f"text {n} of the arguments") for n, text in enumerate(args, 1)]
    if source == "-":
        content = _decode(sys.stdin.buffer.read(), "stdin")
        looks_json = content.lstrip().startswith("{")
        texts += _json_lines(content, "stdin") if looks_json else [line for line in content.splitlines() if line.strip()]
    elif source:
        path = Path(source)
        if not path.is_file():
            raise UserError(f"{path} does not exist; pass a .jsonl or .csv file, or - for stdin.")
        content = _decode(path.read_bytes(), str(path))
        texts += _json_lines(content, str(path)) if path.suffix in {".jsonl", ".ndjson"} else _csv_texts(content, path)
    if not texts:
        raise UserError("no texts to classify; pass them as arguments, with --input FILE, or --input - on stdin.")
    return texts


def _non_empty(text: str, where: str) -> str:
    """Ingest rejects an empty body (`empty_body`); classify refuses one rather than score nothing."""
    if not text.strip():
        raise UserError(f"{where} is empty; classify scores non-empty texts only, so remove it or give it some words.")
    return text


def _decode(data: bytes, name: str) -> str:
    """Text input only: bytes that are not UTF-8, or hold a NUL, are a binary file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\0" in text:
        raise UserError(f"{name} is not UTF-8 text; pass a UTF-8 .jsonl or .csv file.")
    return text


def _json_lines(content: str, name: str) -> list[str]:
    texts = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"line {number} of {name} is not valid JSON ({exc.msg}: column {exc.colno}); {JSONL_FIX}") from None
        text = record.get("body", record.get("text")) if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise UserError(f'line {number} of {name} has no "body" or "text" string; {JSONL_FIX}')
        texts.append(_non_empty(text, f"the text on line {number} of {name}"))
    return texts


def _csv_texts(content: str, path: Path) -> list[str]:
    """The 'body' (else 'text') column; a record's line is the one it starts on, as ingest reports it."""
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    texts, start = [], 1
    try:
        header = next(reader, [])
        column = next((header.index(c) for c in ("body", "text") if c in header), None)
        if column is None:
            raise UserError(f"{path} has no 'body' or 'text' column (found: {', '.join(header)}); "
                            "name the text column body or text.")
        start = reader.line_num + 1
        for row in reader:
            if row:
                if len(row) != len(header):
                    raise UserError(f"line {start} of {path} has {len(row)} fields but the header has {len(header)}; {CSV_FIX}")
                texts.append(_non_empty(row[column], f"the text on line {start} of {path}"))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(f"line {start} of {path} is not valid CSV ({exc}); {CSV_FIX}") from None
    return texts


def classify_texts(settings: Settings, texts: list[str], version: str | None) -> Iterator[str]:
    """One JSON line per text, scored as the nightly run scores (the same profile of the same settings)."""
    model = ScoringProfile.from_settings(settings).load(model_folder(settings, version))
    for text, scored in zip(texts, model.score(texts, embeddings=False)):
        yield json.dumps({
            "text": text,
            "sentiment": scored.sentiment,
            **{f"p_{name}": round(float(p), 4) for name, p in zip(SENTIMENTS, scored.probs)},
            "topics": {t: round(scored.topic_scores[t], 4) for t in scored.topics},
            "aspects": [{"clause": text[a.start:a.end], "topic": a.topic, "sentiment": a.sentiment,
                         "score": round(a.score, 4)} for a in scored.aspects],
            "model_version": model.version,
        }, ensure_ascii=False)
