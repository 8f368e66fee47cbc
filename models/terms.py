"""What counts as a term: English words of 4+ letters that are not stop words, and Chinese character bigrams.
Topic discovery names clusters with these terms; the emerging-terms insight (sql/insights/50_emerging_terms.sql)
receives STOP_WORDS as a parameter, so both leave out the same words."""

from __future__ import annotations

import re

STOP_WORDS = frozenset({
    "this", "that", "with", "have", "they", "were", "very", "just", "like", "what", "when", "would", "could", "there",
    "their", "will", "been", "from", "more", "much", "also", "only", "some", "than", "then", "because", "really",
    "which", "about", "into", "other", "even", "after", "these", "those", "your", "it's", "i'm",
})
_EN_WORD = re.compile(r"[a-z][a-z']{3,}")
_ZH_RUN = re.compile(r"[\u4e00-\u9fff]+")


def terms_of(text: str) -> set[str]:
    """English words of 4+ letters (stop words left out) and Chinese character bigrams.

    >>> sorted(terms_of('物流很快'))
    ['很快', '流很', '物流']
    >>> sorted(terms_of('This fabric is really lovely'))
    ['fabric', 'lovely']
    """
    lowered = text.lower()
    words = {w for w in _EN_WORD.findall(lowered) if w not in STOP_WORDS}
    for run in _ZH_RUN.findall(text):
        words |= {run[i:i + 2] for i in range(len(run) - 1)}
    return words
