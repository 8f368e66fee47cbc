"""Fine-tuning the classifier: sentiment from gold labels or ratings, topics from weak seed labels.

Each review's clauses train beside it: the topic head learns from seed labels computed on each clause
(so "The fabric is lovely" teaches material alone, not the fit words elsewhere in its review), and
clause sentiment learns from the review's label by multiple-instance learning (classifier.mil_logits).

Binary sources (the Chinese corpus knows only negative/positive) train the sentiment head over
{negative, positive} alone, so they never teach the model that nothing is neutral. Class imbalance is
handled by inverse-square-root class weights in the loss and a per-class bias fitted for macro-F1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from reviewlens.models.batching import pad, token_budget_batches
from reviewlens.models.classifier import NEU, SENTIMENTS, ReviewClassifier
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.masked_logistic import fit_masked_logistic
from reviewlens.models.device import autocast, pick_device
from reviewlens.models.ngrams import document_frequency_idf
from reviewlens.models.optim import param_groups
from reviewlens.models.schedule import warmup_cosine

UNLABELLED = -1


@dataclass
class FinetuneConfig:
    epochs: float = 2.0
    max_tokens: int = 8_192
    lr: float = 5e-4
    warmup_share: float = 0.06
    weight_decay: float = 0.01
    clip_norm: float = 1.0
    topic_weight: float = 0.25      # topic loss (summed over topics) relative to sentiment loss
    topic_pos_weight: float = 3.0   # topics are rare per review: up-weight the positives
    label_smoothing: float = 0.05
    class_weight_power: float = 0.5 # row weights: balanced_within_sources ** power (0.5 softens, 1.0 balances)
    clause_weight: float = 0.5      # multiple-instance sentiment loss over clauses; 0 trains on whole reviews only
    clause_share: float = 1.0       # share of multi-clause reviews whose clauses also train (fixed, seeded): a cheaper MIL signal
    wide_buckets: int = 0           # hashed n-gram rows of the wide linear path; 0 turns it off
    wide_orders: tuple[int, ...] = (1, 2)
    wide_c: float = 4.0             # inverse L2 strength of the wide path's logistic regression
    wide_min_df: int = 1            # n-grams in fewer training texts get no weight (and count as unseen)
    wide_only: bool = False         # ablation: the wide path alone (deep logits weighted zero)
    wide_negation: bool = False     # n-grams a negator reaches are features of their own (needs the lexicon)
    wide_sublinear: bool = True     # term frequency as 1 + log(tf), as the baseline's (ReviewClassifier.wide_weights)
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Labelled:
    """Training rows: token ids, sentiment class (or UNLABELLED), binary-source flag, weak topic labels (N, K)."""

    sequences: list[list[int]]
    sentiment: np.ndarray          # (N,) int
    binary: np.ndarray             # (N,) bool
    topics: np.ndarray             # (N, K) float
    clauses: list[list[int]] = field(default_factory=list)        # (M,) token ids of the clauses of multi-clause reviews
    clause_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))   # (M,) review row
    clause_topics: np.ndarray | None = None                       # (M, K) seed labels of each clause
    base: np.ndarray | None = None                                # (N,) bool: a base-corpus row, not the store's own

    def clauses_of(self) -> list[list[int]]:
        """Per review, the indices of its clauses (empty for single-clause reviews)."""
        out: list[list[int]] = [[] for _ in self.sequences]
        for j, owner in enumerate(self.clause_owner):
            out[owner].append(j)
        return out


def sentiment_from_rating(rating: float | None) -> int:
    """1-2 negative, 3 neutral, 4-5 positive, else unlabelled (None, NaN, or pandas' NA, as DuckDB gives a missing
    rating).  sentiment_from_rating(3) -> 1"""
    try:
        rating = float(rating)
    except TypeError:
        return UNLABELLED
    if math.isnan(rating):
        return UNLABELLED
    return 0 if rating <= 2 else (1 if rating == 3 else 2)


def sentiment_targets(labels: list[str | None], ratings: list[float | None], sources: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Class per row (gold label first, else rating) and whether the row's label is binary.

    A source whose gold labels never say neutral (the Chinese corpus) is binary: its rows train the
    sentiment head over negative/positive only.
    """
    with_neutral = {src for src, label in zip(sources, labels) if label == "neutral"}
    classes, binary = [], []
    for label, rating, source in zip(labels, ratings, sources):
        if isinstance(label, str) and label in SENTIMENTS:
            classes.append(SENTIMENTS.index(label))
            binary.append(source not in with_neutral)
        else:
            classes.append(sentiment_from_rating(rating))
            binary.append(False)
    return np.array(classes, dtype=np.int64), np.array(binary, dtype=bool)


STORE_SHARE = 0.5            # a store's labelled rows weigh at least this share of the base corpora's, however few


def balanced_within_sources(classes: np.ndarray, binary: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    """Row weights that balance the classes within each group of rows, each group keeping its total weight: the
    binary-labelled and the 3-class rows, separately for the store's own reviews and the base corpora. The Chinese
    corpus's negatives are not up-weighted for being rare among the English reviews, a small store's few negatives
    are up-weighted within the store, and the store's rows together weigh at least STORE_SHARE of the base's, so
    40,000 base reviews do not drown the store's own words.

    >>> balanced_within_sources(np.array([0, 2, 2, 2, 0, 2]), np.array([0, 0, 0, 0, 1, 1], bool)).round(2).tolist()
    [2.0, 0.67, 0.67, 0.67, 1.0, 1.0]
    >>> balanced_within_sources(np.array([0, 2, 2, 2, 0, 2]), np.zeros(6, bool), np.array([0, 0, 1, 1, 1, 1], bool)).round(2).tolist()
    [1.0, 1.0, 0.67, 0.67, 2.0, 0.67]
    """
    base = np.zeros(len(classes), bool) if base is None else base
    weights = np.zeros(len(classes))
    for origin in (base, ~base):
        for group in (binary, ~binary):
            rows = origin & group & (classes >= 0)
            if rows.any():
                counts = np.bincount(classes[rows], minlength=3)
                weights[rows] = rows.sum() / ((counts > 0).sum() * counts[classes[rows]])
    store, in_base = ~base & (classes >= 0), base & (classes >= 0)
    if store.any() and in_base.any() and weights[store].sum() < STORE_SHARE * weights[in_base].sum():
        weights[store] *= STORE_SHARE * weights[in_base].sum() / weights[store].sum()
    return weights


def sentiment_loss(logits: torch.Tensor, target: torch.Tensor, binary: torch.Tensor, row_weights: torch.Tensor,
                   smoothing: float) -> torch.Tensor:
    """Cross-entropy; on binary-source rows the neutral logit is removed (set to -inf) before the softmax."""
    labelled = target >= 0
    if not labelled.any():
        return logits.sum() * 0.0
    logits, target, binary = logits[labelled], target[labelled], binary[labelled]
    neutral_off = torch.zeros_like(logits)
    neutral_off[:, NEU] = torch.where(binary, float("-inf"), 0.0)
    logits = logits + neutral_off
    log_p = F.log_softmax(logits, dim=-1)                                      # (N, 3), -inf at masked neutral
    nll = -log_p.gather(1, target[:, None]).squeeze(1)
    finite = torch.isfinite(log_p)
    smooth = -(log_p.masked_fill(~finite, 0.0).sum(1) / finite.sum(1))        # uniform over allowed classes
    per_row = (1 - smoothing) * nll + smoothing * smooth
    w = row_weights[labelled]
    return (per_row * w).sum() / w.sum()


def topic_loss(logits: torch.Tensor, target: torch.Tensor, pos_weight: float) -> torch.Tensor:
    """BCE summed over topics, averaged over reviews: a mean over all (review, topic) cells would make each
    rare topic's gradient vanish and leave the head predicting base rates."""
    weight = torch.full((logits.shape[1],), pos_weight, device=logits.device)
    return F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight, reduction="sum") / logits.shape[0]


def optimizer(model: ReviewClassifier, cfg: FinetuneConfig) -> torch.optim.AdamW:
    """AdamW over the deep part (fused where this torch supports it); the wide path is fitted by fit_wide."""
    params = torch.nn.ModuleDict({k: m for k, m in model.named_children() if k != "wide"})
    try:
        return torch.optim.AdamW(param_groups(params, cfg.weight_decay), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(param_groups(params, cfg.weight_decay), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)


def fit_wide(model: ReviewClassifier, data: Labelled, cfg: FinetuneConfig) -> None:
    """Fit the wide path as the bag-of-words baseline is fitted: L2-regularised, class-balanced logistic
    regression over exactly the features the model computes (hashed n-gram TF-IDF), solved to convergence, except
    that a binary source's rows are judged over negative and positive alone (models/masked_logistic.py): they were
    sampled without their neutral reviews, so they cannot say what is not neutral. Fitted as three-class rows, the
    5,000 IMDb reviews taught every English word they use "not neutral", and on drug reviews of 1-10 ratings the
    model named 1 of 979 neutral (90 are): macro-F1 0.426, against 0.465 judged over their two classes.
    A convex fit gets a linear model's best in seconds; gradient steps shared with the encoder do not."""
    from scipy.sparse import csr_matrix

    model.wide_idf.copy_(document_frequency_idf(data.sequences, model.bag, model.wide_buckets, min_df=cfg.wide_min_df))
    rows, cols, vals = [], [], []
    for batch in token_budget_batches([len(s) for s in data.sequences], cfg.max_tokens * 4):
        ids, attention = pad([data.sequences[i] for i in batch])
        bag = model.bag(ids, attention)
        weight = model.wide_weights(bag)
        keep = bag > 0
        rows.append(torch.tensor(batch)[:, None].expand_as(bag)[keep]), cols.append(bag[keep]), vals.append(weight[keep])
    labelled = data.sentiment >= 0
    X = csr_matrix((torch.cat(vals).double().numpy(), (torch.cat(rows).numpy(), torch.cat(cols).numpy())),
                   shape=(len(data.sequences), model.wide_buckets))[labelled]    # duplicates sum: tf x idf / norm
    X.eliminate_zeros()                                                          # n-grams below min_df: idf 0
    # only the buckets the texts use: the others' weights stay 0 either way, and the solver's vectors span all columns
    used = np.flatnonzero(X.getnnz(axis=0))
    y = data.sentiment[labelled]
    allowed = np.zeros((len(y), len(SENTIMENTS)), bool)
    allowed[:, np.unique(y)] = True                                              # a class no row has is judged nowhere
    allowed[data.binary[labelled], NEU] = False
    coef, bias = fit_masked_logistic(X[:, used], y, allowed, balanced_within_sources(data.sentiment, data.binary,
                                                                                     data.base)[labelled], cfg.wide_c)
    weight = np.zeros((model.wide_buckets, len(SENTIMENTS)), dtype=np.float32)
    weight[used] = coef
    judged = allowed.any(axis=0)
    intercept = np.where(judged, bias, -1e4).astype(np.float32)                  # a class never judged is never predicted
    with torch.no_grad():
        model.wide.weight.copy_(torch.from_numpy(weight))
        model.wide_intercept.copy_(torch.from_numpy(intercept))


def finetune(
    data: Labelled,
    model_cfg: EncoderConfig,
    cfg: FinetuneConfig,
    n_topics: int,
    encoder_state: dict[str, torch.Tensor] | None = None,
    on_step: Callable[[int, int, float, float], None] | None = None,
    device: str = "auto",
    lexicon: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> ReviewClassifier:
    """Train the classifier (from a pretrained encoder state when given, else from random init); `lexicon` (keys,
    valences; models/lexicon.lexicon_table) is carried from the start.

    Rows without a sentiment label (a store without ratings, or one whose labels cannot teach) train the topic head
    on the encoder's states but do not move the encoder: trained by the topic loss alone on 5,000 unrated grocery
    reviews, the encoder put them where the sentiment head, which never saw one labelled, read 81% of the 5-star
    ones as negative."""
    torch.manual_seed(cfg.seed)
    model = ReviewClassifier(model_cfg, n_topics, wide_buckets=cfg.wide_buckets, wide_orders=cfg.wide_orders)
    if encoder_state is not None:
        own = {k.removeprefix("encoder."): v for k, v in encoder_state.items() if k.startswith("encoder.")}
        model.encoder.load_state_dict(own, strict=True)
    if cfg.wide_buckets:
        model.wide_sublinear.fill_(float(cfg.wide_sublinear))
        if lexicon is not None:
            model.set_lexicon(*lexicon)
            model.negation_marks.fill_(float(cfg.wide_negation))
        fit_wide(model, data, cfg)                  # on the CPU: a sparse convex fit
    dev = pick_device(device)
    model.to(dev)
    weights = torch.from_numpy(balanced_within_sources(data.sentiment, data.binary, data.base) ** cfg.class_weight_power).float().to(dev)
    if cfg.wide_only:
        model.mix.copy_(torch.tensor([0.0, 1.0]))
        return model.eval().cpu()
    model.use_wide = False                          # the deep part learns on its own; `mix` joins them later
    clauses_of = data.clauses_of() if cfg.clause_weight > 0 else [[] for _ in data.sequences]
    if cfg.clause_share < 1.0:                      # a fixed, seeded subset: batches keep their token budget
        keep = np.random.default_rng(cfg.seed).random(len(clauses_of)) < cfg.clause_share
        clauses_of = [c if k else [] for c, k in zip(clauses_of, keep)]
    # a review's cost is its tokens plus its clauses' tokens: batches stay within the budget either way
    lengths = [len(s) + sum(len(data.clauses[j]) for j in clauses_of[i]) for i, s in enumerate(data.sequences)]
    per_epoch = len(token_budget_batches(lengths, cfg.max_tokens))
    total = max(1, int(per_epoch * cfg.epochs))
    warmup = max(1, int(total * cfg.warmup_share))
    opt = optimizer(model, cfg)
    sentiment = torch.from_numpy(data.sentiment).to(dev)
    binary = torch.from_numpy(data.binary).to(dev)
    topics = torch.from_numpy(data.topics).to(dev)
    clause_topics = torch.from_numpy(data.clause_topics).to(dev) if data.clause_topics is not None else None
    model.train()
    step = 0
    while step < total:
        for batch in token_budget_batches(lengths, cfg.max_tokens, shuffle_seed=cfg.seed + step // per_epoch):
            if step >= total:
                break
            started = time.perf_counter()
            for group in opt.param_groups:
                group["lr"] = cfg.lr * warmup_cosine(step, total, warmup)
            ids, attention = pad([data.sequences[i] for i in batch])
            index = torch.tensor(batch, device=dev)
            with autocast(dev):
                s_logits, t_logits, pooled = model(ids.to(dev), attention.to(dev))
            s_logits, t_logits = s_logits.float(), t_logits.float()
            unlabelled = sentiment[index] < 0                                  # (B,)
            if unlabelled.any():                # they teach the topic head, not the encoder (see finetune's docstring)
                t_logits = torch.where(unlabelled[:, None], model.topics(model.drop(pooled.detach())).float(), t_logits)
            loss = sentiment_loss(s_logits, sentiment[index], binary[index], weights[index], cfg.label_smoothing)
            t_all, t_target = t_logits, topics[index]
            tokens = int(attention.sum())
            picked = [(row, j) for row, i in enumerate(batch) for j in clauses_of[i]]
            if picked:
                # clauses vary in length far more than the length-sorted reviews: pad them in sorted sub-batches
                c_logits, c_topics, c_pooled, order = [], [], [], []
                for sub in token_budget_batches([len(data.clauses[j]) for _, j in picked], cfg.max_tokens):
                    c_ids, c_attention = pad([data.clauses[picked[k][1]] for k in sub])
                    with autocast(dev):
                        logits_k, topics_k, pooled_k = model(c_ids.to(dev), c_attention.to(dev))
                    c_logits.append(logits_k.float()), c_topics.append(topics_k.float()), c_pooled.append(pooled_k.float())
                    order += sub
                    tokens += int(c_attention.sum())
                owner = torch.tensor([picked[k][0] for k in order], device=dev)
                mil = model.mil_logits(torch.cat(c_logits), torch.cat(c_pooled), owner, len(batch))    # (R, 3)
                has = torch.zeros(len(batch), dtype=torch.bool, device=dev)
                has[owner] = True
                target = torch.where(has, sentiment[index], torch.full_like(sentiment[index], UNLABELLED))
                loss = loss + cfg.clause_weight * sentiment_loss(mil, target, binary[index], weights[index], cfg.label_smoothing)
                c_topics = torch.cat(c_topics)                                  # (M, K)
                quiet = unlabelled[owner]                                       # clauses of unlabelled reviews
                if quiet.any():
                    c_topics = torch.where(quiet[:, None], model.topics(model.drop(torch.cat(c_pooled).detach())), c_topics)
                t_all = torch.cat([t_all, c_topics])
                t_target = torch.cat([t_target, clause_topics[torch.tensor([picked[k][1] for k in order], device=dev)]])
            loss = loss + cfg.topic_weight * topic_loss(t_all, t_target, cfg.topic_pos_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
            opt.step()
            if on_step:
                on_step(step, total, loss.item(), tokens / (time.perf_counter() - started))
            step += 1
    model.use_wide = True
    model.eval().cpu()
    return model
