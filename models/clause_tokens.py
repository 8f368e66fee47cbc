"""Clauses as token spans of their review's encoding, so a review is tokenised and encoded once and each clause is
read in context: a clause is the run of the review's tokens whose characters lie in the clause's characters.

A review longer than the model's window keeps its head and its tail (models/tokenizer.HeadTail). A clause the cut
touches, partly or wholly outside the window, gets no token span: the caller encodes it as a text of its own, as
every clause was before. Scoring it from the tokens it has inside the window would score a fragment whose n-grams
straddle the cut, and dropping it would lose the aspects of a long review's middle; the cut touches few clauses
(only reviews past the window have any), so encoding those alone costs little.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from tokenizers import Tokenizer

from reviewlens.models.tokenizer import HeadTail

Span = tuple[int, int]


def encode_with_clauses(tokenizer: Tokenizer, texts: list[str], clauses: list[list[Span]],
                        max_len: int) -> tuple[list[list[int]], list[list[Span | None]]]:
    """Token ids per text, the very ids models/tokenizer.encode gives, and per clause (character spans, as
    models/clauses.split_clauses gives them) its token positions [a, b) in those ids; None where the window's cut
    touches the clause or it has no token.

    >>> from reviewlens.models.tokenizer import train_tokenizer
    >>> tok = train_tokenizer(["love it runs small though"] * 3, vocab_size=100, min_frequency=1)
    >>> ids, spans = encode_with_clauses(tok, ["Love it. Runs small though"], [[(0, 7), (9, 26)]], 128)
    >>> spans                                # [CLS] love it . runs small though [SEP]
    [[(1, 3), (4, 7)]]
    """
    fit = HeadTail(max_len)
    clipped = [fit.clip_chars(t or "") for t in texts]
    encodings = tokenizer.encode_batch(clipped)
    sequences, token_spans = [], []
    for text, short, enc, spans in zip(texts, clipped, encodings, clauses):
        kept = fit.fit(list(range(len(enc.ids))))                  # positions of the full encoding the window keeps
        full = enc.ids
        sequences.append(full if len(kept) == len(full) else [full[p] for p in kept])
        if spans:
            token_spans.append(_token_spans(enc.offsets, kept, [_clipped_span(span, len(text or ""), len(short))
                                                                 for span in spans]))
        else:
            token_spans.append([])
    return sequences, token_spans


def _clipped_span(span: Span, length: int, clipped_length: int) -> Span | None:
    """The clause's characters in the text the tokenizer saw (HeadTail.clip_chars: head + " … " + tail of the same
    length); None for a clause not wholly inside the head or the tail."""
    if clipped_length == length:
        return span
    limit = (clipped_length - 3) // 2
    s, e = span
    if e <= limit:
        return span
    shift = length - clipped_length                             # tail characters move left by this much
    return (s - shift, e - shift) if s - shift >= limit + 3 else None


def _token_spans(offsets: list[Span], kept: list[int], spans: list[Span | None]) -> list[Span | None]:
    """[a, b) in the kept ids of each character span's tokens; None for a span with no token or one the cut touches.
    offsets: the full encoding's, [CLS] first and [SEP] last (their offsets are (0, 0) and never match)."""
    body = offsets[1:-1]
    starts, ends = [o[0] for o in body], [o[1] for o in body]
    at = None if len(kept) == len(offsets) else {p: k for k, p in enumerate(kept)}
    out: list[Span | None] = []
    for span in spans:
        if span is None:
            out.append(None)
            continue
        first = 1 + bisect_right(ends, span[0])                 # first token that ends after the clause starts
        stop = 1 + bisect_left(starts, span[1])                 # first token that starts at or after its end
        if stop <= first:
            out.append(None)
        elif at is None:
            out.append((first, stop))
        elif first in at and stop - 1 in at and at[stop - 1] - at[first] == stop - 1 - first:
            out.append((at[first], at[stop - 1] + 1))
        else:
            out.append(None)
    return out
