"""Split a review into clauses at sentence punctuation and contrast words, keeping character offsets."""

from __future__ import annotations

import re

# Sentence ends and semicolons in both scripts; commas only before a contrast word, or a Chinese comma
# (Chinese reviews chain independent clauses with ，). A contrast word starts a clause only when words follow it:
# "Runs small though" stays one clause, never "Runs small" | "though".
_OPENS = r"(?=\s*[,，]?\s*\w)"
_BOUNDARY = re.compile(
    r"[.!?;。！？；\n]+\s*"
    rf"|[,，]\s*(?=(?:but|however|although|though|except|yet)\b{_OPENS})"
    rf"|\s+(?=(?:but|however|although|though|except)\b{_OPENS})"
    r"|[，,]?(?=但是|不过|可是|然而|就是|只是|但)"
    r"|，",
    re.IGNORECASE,
)
MIN_CHARS = 2


def split_clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the clauses, trimmed; punctuation-only pieces are dropped.

    >>> split_clauses("Love the colour but it runs small.")
    [(0, 15), (16, 33)]
    >>> split_clauses("Love it. Runs small though")
    [(0, 7), (9, 26)]
    """
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = max(start, match.end())
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and (text[s].isspace() or text[s] in ",，"):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in ".!?。！？,，;；"):
            e -= 1
        if e - s >= MIN_CHARS:
            out.append((s, e))
    return out
