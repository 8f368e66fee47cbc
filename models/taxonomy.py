"""The topic taxonomy (topics.toml) and its seed-word labeller, which gives weak topic labels."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Topic:
    id: str
    description: str
    en: tuple[str, ...]
    zh: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    source_text: str                     # the TOML as read, copied into checkpoints

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.topics]


class TaxonomyError(ValueError):
    """A topics.toml that cannot be used; the message names the topic and the fix."""


def default_taxonomy_text() -> str:
    return resources.files("reviewlens.models").joinpath("topics.toml").read_text(encoding="utf-8")


def parse_taxonomy(text: str) -> Taxonomy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"topics.toml is not valid TOML ({exc}).") from None
    topics = []
    for topic_id, entry in data.items():
        if not isinstance(entry, dict) or not (entry.get("en") or entry.get("zh")):
            raise TaxonomyError(f"topic {topic_id!r} in topics.toml needs seed words under en = [...] or zh = [...].")
        topics.append(Topic(topic_id, entry.get("description", ""), tuple(entry.get("en", ())), tuple(entry.get("zh", ()))))
    if not topics:
        raise TaxonomyError("topics.toml defines no topics.")
    return Taxonomy(tuple(topics), text)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    return parse_taxonomy(path.read_text(encoding="utf-8") if path else default_taxonomy_text())


class SeedLabeller:
    """Marks a topic present when one of its seed words occurs.

    SeedLabeller(tax).labels(["Runs small, fabric is thin"]) -> 1 for size_fit and material, 0 elsewhere.
    English seeds match whole words (and a plural 's'/'es'); Chinese seeds match as substrings.
    Set lookups, not one big regex: 40k reviews take about a second.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.single = [{w.lower() for w in t.en if " " not in w} for t in taxonomy.topics]
        self.phrases = [[f" {w.lower()} " for w in t.en if " " in w] for t in taxonomy.topics]
        self.zh = [list(t.zh) for t in taxonomy.topics]

    def topics_in(self, text: str) -> list[int]:
        """Indices of the topics whose seeds occur in the text."""
        lowered = text.lower()
        words = _WORD.findall(lowered)
        vocabulary = set(words)
        vocabulary |= {w[:-1] for w in words if w.endswith("s")} | {w[:-2] for w in words if w.endswith("es")}
        joined = " " + " ".join(words) + " "
        return [
            k for k in range(len(self.single))
            if not self.single[k].isdisjoint(vocabulary)
            or any(p in joined for p in self.phrases[k])
            or any(z in text for z in self.zh[k])
        ]

    def labels(self, texts: list[str]) -> np.ndarray:
        """(N, K) float32 0/1 weak labels."""
        out = np.zeros((len(texts), len(self.single)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, self.topics_in(text)] = 1.0
        return out


_WORD = re.compile(r"[a-z0-9][a-z0-9\-']*")
