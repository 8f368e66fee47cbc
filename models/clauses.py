"""Split a review into clauses at sentence punctuation and contrast words, keeping character offsets."""

from __future__ import annotations

import re

# Sentence ends and semicolons in both scripts; commas only before a contrast word, or a Chinese comma
# (Chinese reviews chain independent clauses with ，). A contrast word starts a clause only when words follow it:
# "Runs small though" stays one clause, never "Runs small" | "though".
# The contrast words: what follows them is what the writer concludes. "yet" after no comma is time ("not yet here").
_TURNS = "but|however|though|except"
_TURNS_ZH = "但是|不过|可是|然而|就是|只是|但"
_OPENS = r"(?=\s*[,，]?\s*\w)"
_BOUNDARY = re.compile(
    r"[.!?;。！？；\n]+\s*"
    rf"|[,，]\s*(?=(?:{_TURNS}|although|yet)\b{_OPENS})"
    rf"|\s+(?=(?:{_TURNS}|although)\b{_OPENS})"
    rf"|[，,]?(?={_TURNS_ZH})"
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


# A clause is conceded when the next one opens with a contrast ("X, but Y": the writer concludes Y) or it opens with
# a Chinese concessive ("虽然X，但是Y": the comma splits them; an English "Although X, Y" stays one clause, both at
# once, and is not marked); the clause reader weighs a conceded clause's reading apart.
_TURN_AFTER = re.compile(rf"[\s,，.。!！:：;；、\-–—…]*(?:(?:{_TURNS}|yet)\b|{_TURNS_ZH})", re.IGNORECASE)
_CONCESSIVE = re.compile(r"虽然|虽说|尽管|虽")


def conceded(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Per clause span of a text, whether its writer concedes it.

    >>> text = "The fabric is lovely but it runs small. Although pricey, it is great"
    >>> conceded(text, split_clauses(text))
    [True, False, False]
    >>> conceded("虽然有点贵，但是质量很好", split_clauses("虽然有点贵，但是质量很好"))
    [True, False]
    """
    return [bool(_TURN_AFTER.match(text, e) or _CONCESSIVE.match(text, s)) for s, e in spans]


def conceded_in(texts: list[str], spans: list[list[tuple[int, int]]]) -> list[bool]:
    """conceded for every clause of several texts (spans[i] of texts[i]), in text order: one flag per clause row."""
    return [flag for text, text_spans in zip(texts, spans) for flag in conceded(text, text_spans)]
