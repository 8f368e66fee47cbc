"""Unlabelled text files that join the pretraining corpus (never the evaluation)."""

from __future__ import annotations

from pathlib import Path

from reviewlens.flows.errors import UserError


def read_extra_texts(paths: list[Path]) -> list[str]:
    """One text per non-blank line of each UTF-8 file; a bad file stops the run before any training starts."""
    texts: list[str] = []
    for path in paths:
        if not path.is_file():
            raise UserError(f"extra text file {path} does not exist.")
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    raise UserError(f"{path} line {number} is not valid UTF-8; re-save the file as UTF-8.") from None
                if line:
                    texts.append(line)
    return texts
