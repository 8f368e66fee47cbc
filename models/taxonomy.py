"""The topic taxonomy (topics.toml), its seed-word labeller, which gives weak topic labels, and its polarity phrases,
which decide a clause's sentiment toward a topic where star ratings cannot teach it ("runs small" in a 5-star review)."""

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
    negative: tuple[str, ...] = ()      # phrases that say the topic is bad, either language ("runs small", "偏小")
    positive: tuple[str, ...] = ()      # phrases that say it is good ("true to size"); a negative one negated counts too
    context: tuple[str, ...] = ()       # seeds that name the topic in a review, not in a clause (the pain a drug treats)
    everyday: tuple[str, ...] = ()      # seeds any store's reviews use ("he": a lender's loan officer), not for the pick


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
        lists = {key: entry.get(key, []) for key in ("negative", "positive", "context", "everyday")}
        for key, value in lists.items():
            if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
                raise TaxonomyError(f"topic {topic_id!r} in topics.toml: {key} must be a list of phrases, {key} = [\"...\"].")
        topics.append(Topic(topic_id, entry.get("description", ""), tuple(entry.get("en", ())), tuple(entry.get("zh", ())),
                            *(tuple(lists[key]) for key in ("negative", "positive", "context", "everyday"))))
    if not topics:
        raise TaxonomyError("topics.toml defines no topics.")
    return Taxonomy(tuple(topics), text)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    return parse_taxonomy(path.read_text(encoding="utf-8") if path else default_taxonomy_text())


class SeedLabeller:
    """Marks a topic present when one of its seed words occurs.

    SeedLabeller(tax).labels(["Runs small, fabric is thin"]) -> 1 for size_fit and material, 0 elsewhere.
    English seeds match whole words (and a plural 's'/'es'); Chinese seeds match as substrings, except one
    without a Chinese character, which matches as an English word; a seed of signs alone ("$") matches before a
    number. A topic's context words count as seeds of a review and not of a clause (clauses=True): in a pharmacy, "I
    was in a lot of pain" says what the drug treats, so the review is about effectiveness, but that clause does not
    judge it. Its everyday words are seeds too, except where a topic set is picked for a store (everyday=False): "he"
    and "she" are the loan officer in a lender's reviews, and in every store's reviews someone.
    Set lookups indexed by word, not one big regex: scoring reads every review and clause with it (a topic needs
    evidence, models/inference.py), 18k clauses of food reviews in about a third of a second.
    """

    def __init__(self, taxonomy: Taxonomy, clauses: bool = False, everyday: bool = True) -> None:
        self.taxonomy = taxonomy
        self.by_word: dict[str, set[int]] = {}
        seeds = [(k, (*t.en, *t.zh, *(() if clauses else t.context), *(t.everyday if everyday else ())))
                 for k, t in enumerate(taxonomy.topics)]
        # a Chinese list's seed with no Chinese character ("app", "wifi") is a word: as a substring, "app" was found in
        # "happening" and "approval", and a lender's reviews got the topic `online` from them
        words = [(k, w) for k, topic_seeds in seeds for w in topic_seeds if not _CJK.search(w)]
        for k, word in words:
            if " " not in word and _SYMBOL.fullmatch(word) is None:
                self.by_word.setdefault(word.lower(), set()).add(k)
        self.phrases = [(k, f" {w.lower()} ") for k, w in words if " " in w]
        self.symbols = [(k, re.compile(re.escape(w) + r"\s?\d")) for k, w in words if _SYMBOL.fullmatch(w)]
        self.zh = [(k, z) for k, topic_seeds in seeds for z in topic_seeds if _CJK.search(z)]
        self.cjk_only = all(_CJK.search(z) for _, z in self.zh)     # then a text without CJK has no Chinese seed

    def topics_in(self, text: str) -> list[int]:
        """Indices of the topics whose seeds occur in the text, ascending."""
        words = _WORD.findall(text.lower())
        vocabulary = set(words)
        vocabulary |= {w[:-1] for w in words if w.endswith("s")} | {w[:-2] for w in words if w.endswith("es")}
        vocabulary |= {m.group(1) for m in map(_UNIT.fullmatch, words) if m}          # "100mg" holds the seed "mg"
        found = {k for w in vocabulary if w in self.by_word for k in self.by_word[w]}
        joined = " " + " ".join(words) + " "
        found.update(k for k, p in self.phrases if k not in found and p in joined)
        found.update(k for k, amount in self.symbols if k not in found and amount.search(text))
        if not self.cjk_only or _CJK.search(text):
            found.update(k for k, z in self.zh if k not in found and z in text)
        return sorted(found)

    def labels(self, texts: list[str]) -> np.ndarray:
        """(N, K) float32 0/1 weak labels."""
        out = np.zeros((len(texts), len(self.taxonomy.topics)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, self.topics_in(text)] = 1.0
        return out


class PolarityPhrases:
    """Finds the taxonomy's polarity phrases in a text: {topic index: 'negative' or 'positive'}.

    A phrase with a Chinese character matches as a substring, any other as whole words, with degree words allowed
    between them ("runs a bit small"). A negation just before a phrase turns it over ("not too tight", "不掉色": the
    complaint denied is praise); where one text has both polarities for a topic, negative wins (a complaint is what an
    operator must not miss).
    PolarityPhrases(tax).find("Love it. Runs small though") -> {index of size_fit: 'negative'}
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        # indexed by first word / first character: a text is read once, not searched once per phrase
        self.words: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
        self.chinese: dict[str, list[tuple[int, str, str]]] = {}
        for k, topic in enumerate(taxonomy.topics):
            for sentiment, phrases in (("negative", topic.negative), ("positive", topic.positive)):
                for phrase in phrases:
                    if _CJK.search(phrase):
                        self.chinese.setdefault(phrase[0], []).append((k, sentiment, phrase))
                    elif words := tuple(_WORD.findall(phrase.lower())):
                        self.words.setdefault(words[0], []).append((k, sentiment, words))

    def __bool__(self) -> bool:
        return bool(self.words or self.chinese)

    def find(self, text: str) -> dict[int, str]:
        found: dict[int, str] = {}
        if self.words:
            words = _WORD.findall(text.lower().replace("\u2019", "'"))
            for i, word in enumerate(words):
                for k, sentiment, phrase in self.words.get(word, ()):
                    if _spelled_at(words, i, phrase):
                        _merge(found, k, _flip(sentiment) if _negated(words[max(0, i - 4):i]) else sentiment)
        if self.chinese and _CJK.search(text):
            for i, char in enumerate(text):
                for k, sentiment, phrase in self.chinese.get(char, ()):
                    if text.startswith(phrase, i):
                        _merge(found, k, _flip(sentiment) if text[max(0, i - 3):i].endswith(_ZH_NEGATIONS) else sentiment)
        return found


def merge_polarity(parts: list[dict[int, str]]) -> dict[int, str]:
    """The phrases found in the parts of one text (its clauses) as find would give them for the whole text."""
    found: dict[int, str] = {}
    for part in parts:
        for k, sentiment in part.items():
            _merge(found, k, sentiment)
    return found


def _merge(found: dict[int, str], k: int, sentiment: str) -> None:
    if found.get(k) != "negative":
        found[k] = sentiment


def _flip(sentiment: str) -> str:
    return "positive" if sentiment == "negative" else "negative"


def _spelled_at(words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words follow each other from words[i], with degree words allowed between them: "runs
    fairly large" says what "runs large" says, and no list of phrases can spell every degree a reviewer puts in.

    >>> _spelled_at("it runs a tad large".split(), 1, ("runs", "large")), _spelled_at("runs and large".split(), 0, ("runs", "large"))
    (True, False)
    """
    at = i
    for n, word in enumerate(phrase):
        if n:
            while at < len(words) and words[at] != word and words[at] in _DEGREE:
                at += 1
        if at >= len(words) or words[at] != word:
            return False
        at += 1
    return True


def _negated(before: list[str]) -> bool:
    """Whether the words before a phrase end in a negation, perhaps followed by intensifiers ("not very")."""
    while before and before[-1] in _INTENSIFIERS:
        before = before[:-1]
    return bool(before) and (before[-1] in _EN_NEGATIONS or before[-1].endswith("n't"))


_WORD = re.compile(r"[a-z0-9][a-z0-9\-']*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SYMBOL = re.compile(r"[^\w\s]+")    # a seed of signs alone ("$"): it names its topic before an amount ("$15")
_UNIT = re.compile(r"\d[\d.]*([a-z]+)")        # a quantity written as one word: its unit
_EN_NEGATIONS = {"not", "never", "no", "nt", "hardly", "without"}
_INTENSIFIERS = {"very", "so", "that", "too", "really", "super", "overly", "particularly", "quite", "all", "as", "at"}
_DEGREE = {"a", "bit", "little", "tad", "touch", "slightly", "somewhat", "fairly", "rather", "pretty", "quite", "very",
           "really", "super", "extremely", "way", "too", "so", "kind", "sort", "of", "just", "definitely", "much"}
_ZH_NEGATIONS = ("不", "没", "没有", "无", "未", "别", "不太", "不很", "不够", "不是很", "不怎么", "没那么")
