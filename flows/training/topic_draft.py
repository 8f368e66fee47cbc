"""`reviewlens topics suggest`: the topic candidates the last nightly run found (clusters of reviews no topic
covers) as a draft topics.toml for an operator to edit and train with: the active model's own topics first, so the
draft is a whole taxonomy, then one table per candidate with its distinctive words as seed words."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import connect, sql_text
from reviewlens.flows.store.registry import active_model
from reviewlens.models.atomic import atomic_path
from reviewlens.models.taxonomy import parse_taxonomy

EXAMPLE_CHARS = 160
LANGUAGES = {"en": "English", "zh": "Chinese"}
HEADER = """# Draft topics from topic discovery (`reviewlens topics suggest`). {base}
# Below them, one table per cluster of recent reviews that no topic covered. For each: rename the table to a topic id,
# keep the seed words that name the topic and delete the rest, write a description; or delete the table.
# Then train with it: reviewlens train --topics {name}
"""


def write_draft(settings: Settings, output: Path, force: bool) -> int:
    """Write the draft to output (whole or not at all); returns how many candidates it holds, 0 writing nothing."""
    if output.exists() and not force:
        raise UserError(f"{output} exists; pass --force to replace it, or --output another file.")
    if not output.parent.is_dir():
        raise UserError(f"the folder {output.parent} does not exist; create it or pass --output in a folder that does.")
    with connect(settings.db_path, read_only=True, settings=settings) as con:
        candidates = con.execute(sql_text("report/candidates.sql")).fetchall()     # id, size, language, terms, examples
        active = active_model(con, settings.models_dir)
    if not candidates:
        return 0
    base = (active[1] / "taxonomy.toml").read_text(encoding="utf-8") if active else ""
    text = draft_text(base, active[0] if active else None, [(size, language, terms, examples)
                                                            for _, size, language, terms, examples in candidates], output.name)
    with atomic_path(output) as partial:
        partial.write_text(text, encoding="utf-8")
    return len(candidates)


def draft_text(base: str, version: str | None, candidates: list[tuple[int, str | None, list[str], list[str]]],
               name: str) -> str:
    """The draft: a header saying what to do, the base taxonomy as it is, then a table per candidate (size, language,
    terms, example texts); parses as a taxonomy whatever the reviews hold."""
    taken = set(parse_taxonomy(base).ids) if base else set()
    said = f"First the topics of the active model {version}, as they are." if version else "No model is active yet."
    lines = [HEADER.format(base=said, name=name).rstrip("\n"), ""]
    if base:
        lines += [base.rstrip("\n"), ""]
    for size, language, terms, examples in candidates:
        key = _unique(_key(terms), taken)
        taken.add(key)
        english = [t for t in terms if not _CJK.search(t)]
        chinese = [t for t in terms if _CJK.search(t)]
        lines.append(f"# {size:,} {LANGUAGES.get(language, language or 'unknown-language')} reviews in the cluster")
        if examples:
            lines.append(f"# e.g. {_comment(examples[0])}")
        lines.append(f"[{_toml_key(key)}]")
        lines.append(f"description = {_toml_string(', '.join(terms[:3]))}")
        for field, words in (("en", english), ("zh", chinese)):
            if words:
                lines.append(f"{field} = [{', '.join(_toml_string(w) for w in words)}]")
        lines.append("")
    return "\n".join(lines)


def _key(terms: list[str]) -> str:
    """candidate_<first two terms>, word characters only: candidate_battery_charge, candidate_电池_充电."""
    words = [re.sub(r"\W+", "_", t).strip("_") for t in terms[:2]]
    return "_".join(["candidate", *(w for w in words if w)])


def _unique(key: str, taken: set[str]) -> str:
    n, out = 2, key
    while out in taken:
        out, n = f"{key}_{n}", n + 1
    return out


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML also wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    """A review on one comment line: whitespace collapsed, control characters dropped, cut to EXAMPLE_CHARS."""
    flat = "".join(c for c in " ".join(text.split()) if unicodedata.category(c) != "Cc")
    return flat if len(flat) <= EXAMPLE_CHARS else flat[: EXAMPLE_CHARS - 1] + "…"


_CJK = re.compile(r"[\u3400-\u9fff]")
