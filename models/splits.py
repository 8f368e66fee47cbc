"""Evaluation splits that never change: deduplicate texts first, then assign each distinct text by a hash.

A text's split depends only on its normalised form and SPLIT_SEED, so reruns, re-ingests and new data
never move a review between train and test, and exact or case/whitespace-variant duplicates always
land together (the Chinese corpus repeats about half of its lines).
"""

from __future__ import annotations

import hashlib
import re

SPLIT_SEED = "reviewlens-split-v1"
SHARES = (("test", 0.10), ("val", 0.10), ("train", 0.80))


def normalise(text: str) -> str:
    """The form duplicates are judged on.

    >>> normalise('  Runs  SMALL ')
    'runs small'
    """
    return re.sub(r"\s+", " ", text).strip().lower()


def split_of(text: str) -> str:
    """'train', 'val' or 'test' for a text, stable across runs and machines."""
    digest = hashlib.blake2b((SPLIT_SEED + normalise(text)).encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2**64
    edge = 0.0
    for name, share in SHARES:
        edge += share
        if u < edge:
            return name
    return SHARES[-1][0]


def dedupe(texts: list[str]) -> list[int]:
    """Indices of the first occurrence of each normalised text."""
    seen: set[str] = set()
    keep = []
    for i, text in enumerate(texts):
        key = normalise(text)
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return keep
