"""Post-hoc calibration on the validation split: a per-class logit bias for macro-F1, then a temperature."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from reviewlens.models.classifier import NEU, ReviewClassifier
from reviewlens.models.metrics import f1, resampled_macro_f1
from reviewlens.models.predict import lexicon_scores, predict_logits

if TYPE_CHECKING:
    from reviewlens.models.finetune import Labelled


def masked_log_softmax(logits: torch.Tensor, binary: torch.Tensor) -> torch.Tensor:
    """log-probabilities (N, 3); binary rows renormalise over negative/positive."""
    off = torch.zeros_like(logits)
    off[:, NEU] = torch.where(binary, float("-inf"), 0.0)
    return F.log_softmax(logits + off, dim=-1)


NEAR_TIE = 0.005             # validation scores this close are a tie whatever the resamples say (half a point)
BOOTSTRAPS = 200             # paired resamples of the validation rows that measure how noisy a bias's score is
WINDOW = 0.05                # no further below the best is within its noise (on demo validation: at most 0.019)


def fit_bias(logits: np.ndarray, y: np.ndarray, binary: np.ndarray, grid: np.ndarray = np.linspace(-1.0, 2.0, 31),
             near_tie: float = NEAR_TIE, boots: int = BOOTSTRAPS, seed: int = 0) -> np.ndarray:
    """Bias (3,) on the negative and neutral logits that maximises validation macro-F1 on 3-class rows plus
    accuracy on binary rows (negative vs positive); of the biases whose score is within one standard error of the
    best's (or near_tie, if more), the smallest (L1): the one-standard-error rule (Breiman et al., 1984; Hastie et
    al., ESL 7.10), the error of each bias's difference from the best measured over `boots` paired bootstrap
    resamples of the rows. near_tie=0 and boots=0: the best, however slight.

    The neutral bias moves only the 3-class decision; the negative bias moves both, so both kinds of rows
    vote on it. The classes a minority-weighted loss still under-predicts (neutral and negative in reviews
    that are mostly positive) are what macro-F1 hinges on. Why no more than validation can tell apart: the bias moves
    every decision; six demo models of one recipe took negative biases of 0.0 to 0.4 with a fixed tie of half a
    point, and each 0.1 of it cost Rotten Tomatoes snippets up to a point of accuracy, while the demo's own test
    split could not tell the biases apart.

    >>> logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]] * 20); y = np.array([0, 2] * 20)
    >>> fit_bias(logits, y, np.zeros(40, bool)).tolist()       # any small bias is as good: none is applied
    [0.0, 0.0, 0.0]
    """
    three, two = np.flatnonzero((~binary) & (y >= 0)), np.flatnonzero(binary & (y >= 0))
    if len(three) + len(two) < 30:
        return np.zeros(3, dtype=np.float32)
    three, two = (three if len(three) >= 30 else three[:0]), (two if len(two) >= 30 else two[:0])
    rng = np.random.default_rng(seed)
    samples = [np.arange(len(three))[None], rng.integers(0, len(three), (boots, len(three)))]   # full rows, then resamples
    pairs = [np.arange(len(two))[None], rng.integers(0, len(two), (boots, len(two)))]
    candidates = [np.array([neg, neu, 0.0]) for neg in grid[(grid >= -1.0) & (grid <= 1.0)] for neu in grid]
    full = np.array([_bias_scores(logits, y, bias, three, two, samples[0], pairs[0])[0] for bias in candidates])
    best = int(full.argmax())
    near = np.flatnonzero(full >= full[best] - WINDOW)                          # holds best
    resampled = np.array([_bias_scores(logits, y, candidates[i], three, two, samples[1], pairs[1]) for i in near])
    noise = (resampled - resampled[near == best]).std(1) if boots else np.zeros(len(near))   # (len(near),)
    near = near[full[near] >= full[best] - np.maximum(noise, near_tie) - 1e-9]
    size = np.array([np.abs(candidates[i]).sum() for i in near])
    pick = near[np.lexsort((-full[near], size))[0]]                # smallest bias; among equals, the better score
    return candidates[pick].astype(np.float32)


def _bias_scores(logits: np.ndarray, y: np.ndarray, bias: np.ndarray, three: np.ndarray, two: np.ndarray,
                 samples: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """fit_bias's score (R,) of one bias on each resample: rows of `three` (3-class) picked by samples (R, n3) and
    rows of `two` (binary) picked by pairs (R, n2)."""
    score = np.zeros(max(len(samples), len(pairs)))
    if len(three):
        score += resampled_macro_f1(y[three], (logits[three] + bias).argmax(1), samples)
    if len(two):
        z = logits[two] + bias
        right = (z[:, 0] > z[:, 2]) == (y[two] == 0)
        score += right[pairs].mean(1)
    return score


def fit_temperature(logits: np.ndarray, y: np.ndarray, binary: np.ndarray) -> float:
    """Temperature minimising the validation log-loss (labelled rows)."""
    rows = y >= 0
    z = torch.tensor(logits[rows])
    target = torch.tensor(y[rows])
    mask = torch.tensor(binary[rows])
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def closure():
        opt.zero_grad()
        loss = F.nll_loss(masked_log_softmax(z / log_t.exp(), mask), target)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def fit_mix(deep: np.ndarray, wide: np.ndarray, y: np.ndarray, binary: np.ndarray, lexicon: np.ndarray | None = None,
            l2: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Weights (2,) of the deep and the wide sentiment logits (N, 3), and the logits (3,) one unit of lexicon score
    (N,) adds, minimising the validation log-loss together.

    Fitted on held-out rows, not training rows: there the linear model's confidence is honest, so each
    part gets the weight its held-out accuracy earns. The lexicon's logits are lam * (-1, 0, +1), lam >= 0: valence
    moves belief between negative and positive and nothing else. Left free, the fit learned what negative words
    mean in one vertical (in clothing they mark 3-star reviews, so they pushed toward neutral) and carried it to
    every other store. A small L2 on all three keeps them finite where validation rows are separable.
    """
    rows = y >= 0
    d, w = torch.tensor(deep[rows]), torch.tensor(wide[rows])
    s = torch.zeros(int(rows.sum()), 1) if lexicon is None else torch.tensor(lexicon[rows], dtype=torch.float32)[:, None]
    target, mask = torch.tensor(y[rows]), torch.tensor(binary[rows])
    weights, lam = torch.ones(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    valence = torch.tensor([-1.0, 0.0, 1.0])
    # a line search: a fixed step can overshoot from the start and stop far above the log-loss of not moving
    opt = torch.optim.LBFGS([weights, lam], lr=1.0, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = weights[0] * d + weights[1] * w + s * lam.clamp(min=0.0) * valence
        loss = F.nll_loss(masked_log_softmax(z, mask), target) + l2 * (lam.pow(2).sum() + weights.pow(2).sum())
        loss.backward()
        return loss

    opt.step(closure)
    return weights.detach().clamp(min=0.0).numpy(), (lam.detach().clamp(min=0.0) * valence).numpy()


def calibrate(model: ReviewClassifier, val: Labelled) -> dict:
    """On validation: the deep/wide mix (when both parts are trained), the per-class bias, the temperature
    and the per-topic thresholds, in that order (each is fitted on the decisions the previous ones make).

    The mix, like the bias, is fitted on the decision rows (decision_rows): the store's own labelled rows where it has
    enough. Where it has not, the rows are the base corpora's, and there the deep part's vote is not what it is worth
    on the store: fitted on the base's validation rows it got 0.20-0.24 of the vote, and on stores of other verticals
    it never saw the model without it read sentiment better (tests/benchmarks/cross_vertical.py, "wide only": in six
    trained models, Rotten Tomatoes snippets and lender reviews every time, drug reviews five times); fitted on 5,000
    IMDb reviews held out of training, a vertical neither part had seen, its weight was 0.00. So a store without labelled
    rows of its own gets the parts that carry across verticals, the wide path and the lexicon, on review sentiment; the
    deep part still reads its topics and, through the clause reader, its clauses."""
    if model.wide_buckets and float(model.mix[0]) > 0:
        model.lexicon_weight.zero_()
        rows = decision_rows(val.sentiment, val.base)
        votes = not base_decides(rows, val.base)                    # the base's rows: the deep part gets no vote
        model.mix.copy_(torch.tensor([0.0, 1.0]))
        wide = predict_logits(model, val.sequences)[0][rows]
        deep = np.zeros_like(wide)
        if votes:
            model.mix.copy_(torch.tensor([1.0, 0.0]))
            deep = predict_logits(model, val.sequences)[0][rows]
        scores = lexicon_scores(model, val.sequences)[rows] if model.lexicon_keys.numel() else None
        mix, per_unit = fit_mix(deep, wide, val.sentiment[rows], val.binary[rows], scores)
        model.mix.copy_(torch.from_numpy(mix * [float(votes), 1.0]))
        model.lexicon_weight.copy_(torch.from_numpy(per_unit))
    logits, topic_probs, _ = predict_logits(model, val.sequences)
    bias, temperature = fit_decisions(logits, val.sentiment, val.binary, val.base)
    model.sentiment_bias.copy_(torch.from_numpy(bias))
    model.temperature.fill_(temperature)
    model.topic_threshold.copy_(torch.from_numpy(topic_thresholds(topic_probs, val.topics)))
    return {"mix": model.mix.tolist(), "lexicon_weight": model.lexicon_weight.tolist() if model.wide_buckets else None,
            "bias": bias.tolist(), "temperature": temperature}


MIN_OWN_ROWS, MIN_OWN_CLASS = 200, 10        # a store's own validation rows that can set its decisions
# a class under this share of a store's labelled rows is a sliver: those rows neither set the store's decisions here
# nor teach its sentiment (flows/training/base_corpora.store_labels_that_teach)
MIN_CLASS_SHARE = 0.05


def decision_rows(sentiment: np.ndarray, base: np.ndarray | None) -> np.ndarray:
    """The validation rows (N,) the decision bias and temperature are fitted on: the store's own labelled rows when it
    has enough of them (MIN_OWN_ROWS, and of each class they hold MIN_OWN_CLASS and MIN_CLASS_SHARE), since a store's
    class balance is its own; else every row, the base corpora's included. `base`: which rows come from the base
    corpora (None: none). Why the share: fitted for accuracy on a store's validation rows with 4% negatives, the bias
    pushed decisions away from the negative class (-1.0), and the store's unseen complaints were caught 0.40 of the
    time against 0.73 with no bias (Rotten Tomatoes snippets as a store, tests/benchmarks/few_negatives.py)."""
    own = (sentiment >= 0) if base is None else (sentiment >= 0) & ~base
    counts = np.bincount(sentiment[own], minlength=3)
    fewest = counts[counts > 0].min() if own.any() else 0
    if (base is not None and base.any() and own.sum() >= MIN_OWN_ROWS and fewest >= MIN_OWN_CLASS
            and fewest >= MIN_CLASS_SHARE * own.sum()):
        return own
    return np.ones(len(sentiment), bool)


def base_decides(rows: np.ndarray, base: np.ndarray | None) -> bool:
    """Whether the decision rows (decision_rows) hold the base corpora's: the store has too few labelled rows of its
    own, so no bias is fitted and the deep part gets no vote on review sentiment."""
    return base is not None and bool(base[rows].any())


def fit_decisions(logits: np.ndarray, sentiment: np.ndarray, binary: np.ndarray,
                  base: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The decision bias (3,) and then the temperature, on the decision rows (decision_rows): the model's and the
    baseline's alike. The bias is fitted (fit_bias) on the store's own rows and is none where the decision rows hold
    the base corpora: fitted there, it is the clothing and Chinese shopping reviews' class balance carried to a store
    of another vertical, on top of training that already balances the classes. On six demo models (the same weights,
    stores they never saw), no bias against the bias fitted on the demo corpora: drug reviews macro-F1 +0.8 points
    and Rotten Tomatoes accuracy +1.6 on average, the demo's own test level (English macro-F1 -0.1)."""
    rows = decision_rows(sentiment, base)
    bias = np.zeros(3, dtype=np.float32) if base_decides(rows, base) else fit_bias(logits[rows], sentiment[rows], binary[rows])
    return bias, fit_temperature(logits[rows] + bias, sentiment[rows], binary[rows])


def topic_thresholds(probs: np.ndarray, weak: np.ndarray, grid: np.ndarray = np.linspace(0.1, 0.9, 17)) -> np.ndarray:
    """Per topic, the threshold with the best F1 against the weak labels (0.5 for topics with no positives)."""
    out = np.full(probs.shape[1], 0.5, dtype=np.float32)
    for k in range(probs.shape[1]):
        truth = weak[:, k] > 0.5
        if truth.sum() < 5:
            continue
        pred = probs[:, k, None] >= grid                               # (N, thresholds)
        tp = (pred & truth[:, None]).sum(0)
        out[k] = grid[int(np.argmax(f1(tp, pred.sum(0) - tp, truth.sum() - tp)))]
    return out
