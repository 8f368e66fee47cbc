"""Hashed token n-grams, computed from the token ids inside the model.

With one token per Chinese character these are character n-grams; with WordPiece on English they are
(mostly) word n-grams. Hashing from ids needs no extra input, so scoring stays one pass over one tensor,
and a masked token ([MASK]) hashes as itself: nothing of the hidden token leaks into its n-grams.
Bucket 0 is reserved for "no n-gram here" (the first tokens of a text, and padding).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

_MULT = 1_000_003            # odd multiplier of the rolling hash; values stay far below 2**63
_MOD = 2_147_483_647         # 2**31 - 1
_NEGATED = 7_919              # salt of an n-gram inside a negation's scope


def ngram_hashes(ids: torch.Tensor, attention_mask: torch.Tensor, n: int) -> torch.Tensor:
    """The full 31-bit hash (B, T) of the n-gram that ends at each position, salted by n; -1 where it would reach
    before the text or into padding. Buckets fold it; an exact lookup (the lexicon) compares it whole.

    >>> ids = torch.tensor([[2, 7, 8, 3, 0]]); real = (ids != 0).long()
    >>> [int((ngram_hashes(ids[:, :n], real[:, :n], n) >= 0).sum()) for n in (1, 2, 3)]   # a text of n tokens has one n-gram
    [1, 1, 1]
    >>> ngram_hashes(ids, real, 2)[0, 4].item()                                          # into padding
    -1
    """
    T = ids.shape[1]
    h = torch.full_like(ids, n)                                           # (B, T) salted by the order
    real = attention_mask.bool()                                          # (B, T)
    valid = real.clone()
    for k in range(n):                                                    # token at t - k
        shifted = torch.zeros_like(ids)
        shifted[:, k:] = ids[:, : T - k]
        h = (h * _MULT + shifted + 1) % _MOD
        inside = torch.zeros_like(real)
        inside[:, k:] = real[:, : T - k]                                  # t - k is a real token
        valid = valid & inside
    return torch.where(valid, h, torch.full_like(h, -1))


def hashed_ngrams(ids: torch.Tensor, attention_mask: torch.Tensor, n: int, buckets: int,
                  negated: torch.Tensor | None = None) -> torch.Tensor:
    """Bucket (B, T) of the n-gram that ends at each position; 0 where it would reach before the text or into padding.
    Where `negated` (B, T) marks the position, the n-gram is another feature (NOT_good, Das & Chen 2001): "不太好"
    then no longer teaches that "太好" is a complaint.

    >>> ids = torch.tensor([[2, 7, 8, 3, 0]]); real = (ids != 0).long()
    >>> b = hashed_ngrams(ids, real, 2, 1000)
    >>> b[0, 0].item(), b[0, 4].item(), bool((b[0, 1:4] > 0).all())
    (0, 0, True)
    >>> bool((hashed_ngrams(ids, real, 2, 1000) != hashed_ngrams(ids, real, 3, 1000))[0, 2:4].all())
    True
    >>> marked = hashed_ngrams(ids, real, 2, 1000, negated=torch.tensor([[False, False, True, False, True]]))
    >>> (marked != b)[0].tolist()                                                    # padding stays bucket 0
    [False, False, True, False, False]
    """
    h = ngram_hashes(ids, attention_mask, n)
    if negated is not None:
        h = torch.where(negated & (h >= 0), (h * _MULT + _NEGATED) % _MOD, h)
    return torch.where(h >= 0, 1 + h % (buckets - 1), torch.zeros_like(h))


def ngram_bag(ids: torch.Tensor, attention_mask: torch.Tensor, orders: tuple[int, ...], buckets: int,
              negated: torch.Tensor | None = None) -> torch.Tensor:
    """Buckets (B, T * len(orders)) of every n-gram of the given orders: the input of a wide (bag) path."""
    return torch.cat([hashed_ngrams(ids, attention_mask, n, buckets, negated) for n in orders], dim=1)


def document_frequency_idf(sequences: list[list[int]], bag: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                           buckets: int, chunk: int = 1_024, min_df: int = 1) -> torch.Tensor:
    """Smoothed inverse document frequency (buckets,) of the hashed n-grams `bag(ids, mask)` gives, as scikit-learn's
    TfidfVectorizer computes it: log((1 + N) / (1 + df)) + 1.  Bucket 0 (no n-gram) gets 0, and so does an n-gram in
    fewer than `min_df` texts (TfidfVectorizer's min_df): one review's typo or product name is no evidence."""
    from reviewlens.models.batching import pad

    df = torch.zeros(buckets, dtype=torch.float64)
    for start in range(0, len(sequences), chunk):
        ids, mask = pad(sequences[start : start + chunk])
        grams = bag(ids, mask)                                                       # (b, L)
        rows = torch.arange(grams.shape[0])[:, None].expand_as(grams)
        pairs = torch.unique(rows.reshape(-1) * buckets + grams.reshape(-1))          # each (doc, bucket) once
        df += torch.bincount(pairs % buckets, minlength=buckets).double()
    idf = torch.log((1 + len(sequences)) / (1 + df)) + 1
    idf[df < min_df] = 0.0
    idf[0] = 0.0
    return idf.float()
