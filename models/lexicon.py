"""A sentiment lexicon as a prior the classifier carries: each entry as the full hash of the token n-gram it spells
(the wide path's hash, unfolded) with its valence, so the model reads it from the same token ids (one pass, no text).

Why: the wide path and the encoder learn words from the training corpora only; on a store of another vertical
most n-grams are new and both fall back on what their training data leaned to. A general-purpose lexicon knows
"broken", "refund", "失望" whatever the vertical, so it still has something to say there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

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


# Words that change the entries near them (VADER's rules, Hutto & Gilbert 2014), spelled as token n-grams and kept in
# the same table as the entries with a role code in place of a valence (codes >= ROLE, valences stay within +-2):
NEGATORS = ("not", "no", "never", "t", "without", "nothing", "nor", "neither", "hardly", "barely", "cannot",
            "不", "没", "没有", "别", "无", "未", "非", "毫无", "并非")                      # "t": don't, isn't, can't
BOOSTERS = ("very", "really", "so", "extremely", "incredibly", "truly", "super", "absolutely", "totally", "completely",
            "highly", "too", "especially", "exceptionally", "remarkably", "utterly",
            "很", "太", "超", "超级", "非常", "特别", "十分", "极", "极其", "真", "挺", "相当", "格外", "最")
DAMPENERS = ("slightly", "somewhat", "bit", "little", "fairly", "partly", "有点", "有些", "稍微", "略", "一般")
CONTRASTS = ("but", "however", "yet", "但", "但是", "不过", "可是", "然而", "只是", "就是")   # what follows counts more
CONCESSIVES = ("although", "though", "despite", "while", "虽然", "虽", "尽管", "虽说")       # its own clause counts less
IDIOMS = ("not only", "no doubt", "no wonder", "没想到", "不仅", "不但", "不只", "不管", "无论", "毫不犹豫", "不得不")  # no negation
SENTENCE_ENDS = (".", "!", "?", ";", "。", "！", "？", "；")
CLAUSE_ENDS = (",", ":", "，", "：", "、")
ROLE = 10.0
NEGATOR, BOOSTER, DAMPENER, CONTRAST, CONCESSIVE, SENTENCE_END, CLAUSE_END, IDIOM = (ROLE + k for k in range(8))
ROLE_WORDS = {NEGATOR: NEGATORS, BOOSTER: BOOSTERS, DAMPENER: DAMPENERS, CONTRAST: CONTRASTS, CONCESSIVE: CONCESSIVES,
              SENTENCE_END: SENTENCE_ENDS, CLAUSE_END: CLAUSE_ENDS, IDIOM: IDIOMS}
NEGATION_SCALE = -0.74       # VADER's: "not good" is about three quarters as bad as "good" is good
NEGATION_WINDOW = 6          # tokens before an entry a negator reaches (about three words: "don ' t", "pill ##ow"), in its clause
BOOST, DAMP = 1.3, 0.7
AFTER_CONTRAST, BEFORE_CONTRAST = 1.5, 0.5


def entry_ids(entries: dict[str, float], encode) -> dict[tuple[int, ...], float]:
    """The entries and the role words as token id n-grams: each entry with its valence, each role word with its role
    code (a role word that is also an entry keeps the role). `encode(texts)` gives each text's token ids without
    special tokens; words the tokenizer cannot spell (an unknown token) are left out."""
    words = list(entries)
    roles = {w: code for code, ws in ROLE_WORDS.items() for w in ws}
    out = {tuple(ids): entries[w] for w, ids in zip(words, encode(words)) if ids and min(ids) >= FIRST_WORD_ID}
    for (w, code), ids in zip(roles.items(), encode(list(roles))):
        if ids and min(ids) >= FIRST_WORD_ID:
            out[tuple(ids)] = code
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


def _matches(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
             n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Whether the n-gram ending at each token (B, T) is in the table, and its value there (B, T) where it is."""
    h = ngram_hashes(ids, attention_mask, n)                                           # (B, T), -1 = none
    at = torch.searchsorted(keys, h).clamp(max=keys.numel() - 1)                       # (B, T)
    return (keys[at] == h) & (h >= 0), values[at]


class LexiconReading(NamedTuple):
    """What a pass over the lexicon table reads from texts: the longest entry ending at each token (its value and
    length, (B, T) each; None without a lexicon) and each text's score (B,). The score and the wide path's negation
    marks both need the matches, so they are read once."""
    matches: tuple[torch.Tensor, torch.Tensor] | None
    score: torch.Tensor


def read_lexicon(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                 orders: tuple[int, ...]) -> LexiconReading:
    """The texts' matches and lexicon scores (lexicon_score), from one pass over the table."""
    if keys.numel() == 0:
        return LexiconReading(None, torch.zeros(ids.shape[0], device=ids.device))
    matches = _longest_matches(ids, attention_mask, keys, values, orders)
    return LexiconReading(matches, _score(matches, ids, attention_mask))


def lexicon_score(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                  orders: tuple[int, ...]) -> torch.Tensor:
    """Each text's lexicon valence (B,), clipped to +-MAX_SCORE: the sum over its entries (the longest one ending at
    each token), each turned by a negator up to NEGATION_WINDOW tokens before it in its clause, strengthened or
    softened by the word before it, and weighted by contrast: after "but" / "但是" in its sentence x1.5, before it
    x0.5; inside an "although" / "虽然" clause x0.5, after it in the sentence x1.5."""
    return read_lexicon(ids, attention_mask, keys, values, orders).score


def _score(matches: tuple[torch.Tensor, torch.Tensor], ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """lexicon_score from the longest matches' values and lengths (B, T each)."""
    value, length = matches
    role = torch.where(value >= ROLE, value, torch.zeros_like(value))                  # (B, T) role codes, 0 = none
    valence = torch.where(value >= ROLE, torch.zeros_like(value), value).clamp(-1.5, 1.5)  # (B, T); a hash collision stays small
    sentence = _ends_before(role == SENTENCE_END)                                      # (B, T) sentence number
    clause = _ends_before((role == SENTENCE_END) | (role == CLAUSE_END))               # (B, T) clause number
    start = torch.arange(ids.shape[1], device=ids.device) - length + 1                 # (B, T) first token of the match
    scale = torch.ones_like(valence)
    for d in range(1, NEGATION_WINDOW + 1):
        j = (start - d).clamp(min=0)
        negator = (role.gather(1, j) == NEGATOR) & (clause.gather(1, j) == clause) & (start - d >= 0)
        scale = torch.where(negator, scale * NEGATION_SCALE, scale)
    before = role.gather(1, (start - 1).clamp(min=0)) * (start >= 1)
    scale = scale * torch.where(before == BOOSTER, BOOST, torch.where(before == DAMPENER, DAMP, 1.0))
    contrast_before, contrast_after = _counts_around(role == CONTRAST, sentence)
    concession_clause, _ = _counts_around(role == CONCESSIVE, clause)
    concession_sentence, _ = _counts_around(role == CONCESSIVE, sentence)
    stressed = (contrast_before > 0) | (concession_sentence > concession_clause)
    softened = (contrast_after > 0) | (concession_clause > 0)
    scale = scale * torch.where(stressed, AFTER_CONTRAST, torch.where(softened, BEFORE_CONTRAST, 1.0))
    score = (valence * scale * attention_mask).sum(dim=1)
    return score.clamp(-MAX_SCORE, MAX_SCORE)


def negation_scope(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                   orders: tuple[int, ...], matches: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Tokens (B, T) a negator of the table reaches: up to NEGATION_WINDOW tokens after it, in its clause, before a
    contrast. The negators are the lexicon's own, so "不错" (an entry) and "不仅" (an idiom) negate nothing. `matches`:
    the texts' longest matches where the caller has read them (read_lexicon)."""
    scope = torch.zeros(ids.shape, dtype=torch.bool, device=ids.device)
    if keys.numel() == 0:
        return scope
    value, _ = matches if matches is not None else _longest_matches(ids, attention_mask, keys, values, orders)
    negator = value == NEGATOR
    stop = (value == SENTENCE_END) | (value == CLAUSE_END) | (value == CONTRAST) | (ids < FIRST_WORD_ID) | ~attention_mask.bool()
    reach = torch.zeros_like(scope)                                                    # (B, T) reached at distance d
    for d in range(1, NEGATION_WINDOW + 1):
        came = torch.zeros_like(scope)
        came[:, 1:] = (negator if d == 1 else reach)[:, :-1]
        reach = came & ~stop
        scope |= reach
    return scope


def _longest_matches(ids: torch.Tensor, attention_mask: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                     orders: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """The value (B, T) of the longest table entry ending at each token and its length in tokens (B, T), 0 = none;
    a token inside a longer match plays no part of its own ("不过" is a contrast, not "不" then "过")."""
    value = torch.zeros(ids.shape, device=ids.device)                                  # (B, T) longest match ending here
    length = torch.zeros_like(ids)                                                     # (B, T) its tokens, 0 = none
    for n in sorted(orders):
        hit, found = _matches(ids, attention_mask, keys, values, n)
        value, length = torch.where(hit, found, value), torch.where(hit, n, length)
    for k in range(1, max(orders)):
        inside = torch.zeros_like(length, dtype=torch.bool)
        inside[:, : -k] = length[:, k:] > k
        value, length = value.masked_fill(inside, 0.0), length.masked_fill(inside, 0)
    return value, length


def _ends_before(ends: torch.Tensor) -> torch.Tensor:
    """The number (B, T) of the sentence or clause each token is in: ends (B, T) marks the punctuation closing one."""
    return torch.cumsum(ends.long(), dim=1) - ends.long()


def _counts_around(marks: torch.Tensor, group: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """How many marked tokens (B, T) come before, and after, each token within its group (sentence or clause)."""
    m = marks.long()
    upto = torch.cumsum(m, dim=1)                                                      # (B, T) marks at or before t
    first = torch.full((m.shape[0], m.shape[1] + 1), 1 << 30, device=m.device).scatter_reduce(
        1, group, upto - m, "amin")                                                    # (B, G) marks before the group
    last = torch.zeros((m.shape[0], m.shape[1] + 1), dtype=torch.long, device=m.device).scatter_reduce(
        1, group, upto, "amax")                                                        # (B, G) marks to its end
    before = upto - m - first.gather(1, group)
    after = last.gather(1, group) - upto
    return before, after
