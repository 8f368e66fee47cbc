"""A sentiment lexicon as a prior the classifier carries: each entry as the full hash of the token n-gram it spells
(the wide path's hash, unfolded) with its valence, so the model reads it from the same token ids (one pass, no text).

Why: the wide path and the encoder learn words from the training corpora only; on a store of another vertical
most n-grams are new and both fall back on what their training data leaned to. A general-purpose lexicon knows
"broken", "refund", "失望" whatever the vertical, so it still has something to say there.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from reviewlens.models.ngrams import ngram_hashes

FIRST_WORD_ID = 5            # ids below are the tokenizer's special tokens ([PAD], [UNK], [CLS], [SEP], [MASK])
MAX_SCORE = 4.0              # a review's lexicon score is clipped here: a long rant says no more than a short one


def vader_valences(text: str) -> dict[str, float]:
    """Entries of VADER's lexicon file (token, mean valence -4..4, ...) as valences in -1..1.

    >>> vader_valences("good\\t1.9\\t0.9\\t[2, 1]\\nhorrible\\t-2.5\\t0.5\\t[-3]\\n")
    {'good': 0.475, 'horrible': -0.625}
    """
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip():
            try:
                out[parts[0].strip().lower()] = float(parts[1]) / 4.0
            except ValueError:
                continue
    return out


def polarity_valences(positive: Iterable[str], negative: Iterable[str]) -> dict[str, float]:
    """Word lists of one polarity each as valences +1 / -1 (a word on both lists is dropped).

    >>> polarity_valences(["满意", "好"], ["失望", "好"])
    {'满意': 1.0, '失望': -1.0}
    """
    pos, neg = {w.strip() for w in positive if w.strip()}, {w.strip() for w in negative if w.strip()}
    return {**{w: 1.0 for w in sorted(pos - neg)}, **{w: -1.0 for w in sorted(neg - pos)}}


NEGATORS = ("not", "no", "never", "t", "without", "不", "没", "没有", "别", "无", "未")   # "t": don't, isn't, can't
NEGATED = -1.5               # a negated entry's n-gram adds this times its valence; the entry itself still fires: net -0.5x


def entry_ids(entries: dict[str, float], encode, negators: Iterable[str] = NEGATORS) -> dict[tuple[int, ...], float]:
    """The entries as token id n-grams with their valences, and each entry after each one-token negator of its own
    script with the valence that turns the pair to about half the opposite ("not good", "不满意"; never "不 good").
    `encode(texts)` gives each text's token ids without special tokens; entries the tokenizer cannot spell (an
    unknown token) are left out."""
    words, negators = list(entries), list(negators)
    spelled = [(w, tuple(ids)) for w, ids in zip(words, encode(words)) if ids and min(ids) >= FIRST_WORD_ID]
    out = {ids: entries[w] for w, ids in spelled}
    script = {ids: _is_cjk(w) for w, ids in spelled}
    negator_ids = [(ids[0], _is_cjk(n)) for n, ids in zip(negators, encode(negators))
                   if len(ids) == 1 and ids[0] >= FIRST_WORD_ID]
    for ids, valence in list(out.items()):
        for negator, cjk in negator_ids:
            if cjk == script[ids]:
                out.setdefault((negator, *ids), NEGATED * valence)
    return out


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def lexicon_table(entries: dict[tuple[int, ...], float], orders: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sorted n-gram hashes (E,) and their valences (E,): entries longer than the largest order are left out, entries
    whose hashes coincide are averaged. Looked up whole, not folded into the wide path's buckets: folded, 60k entries
    filled 3% of the buckets and a review's other n-grams landed on them by chance, so chance outweighed the words
    (AUC 0.54 against 0.68 looked up whole, on drug reviews)."""
    keys, values = [], []
    for n in orders:
        grams = [ids for ids in entries if len(ids) == n]
        if grams:
            rows = torch.tensor(grams)                                                 # (M, n)
            keys.append(ngram_hashes(rows, torch.ones_like(rows), n)[:, -1])           # (M,)
            values.append(torch.tensor([entries[g] for g in grams], dtype=torch.float32))
    if not keys:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0)
    unique, where = torch.unique(torch.cat(keys), return_inverse=True)                 # sorted
    total = torch.zeros(len(unique)).index_add_(0, where, torch.cat(values))
    hits = torch.zeros(len(unique)).index_add_(0, where, torch.ones(len(where)))
    return unique, total / hits


def lexicon_score(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                  orders: tuple[int, ...]) -> torch.Tensor:
    """Each text's summed lexicon valence (B,) over its n-grams of the given orders, clipped to +-MAX_SCORE."""
    score = torch.zeros(ids.shape[0], device=ids.device)
    if keys.numel() == 0:
        return score
    for n in orders:
        h = ngram_hashes(ids, attention_mask, n)                                       # (B, T), -1 = none
        at = torch.searchsorted(keys, h).clamp(max=keys.numel() - 1)                   # (B, T)
        hit = (keys[at] == h) & (h >= 0)
        score = score + torch.where(hit, values[at], torch.zeros_like(values[at])).sum(dim=1)
    return score.clamp(-MAX_SCORE, MAX_SCORE)
