"""Post-hoc calibration on the validation split: a per-class logit bias for macro-F1, then a temperature."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from reviewlens.models.classifier import NEU
from reviewlens.models.metrics import macro_f1


def masked_log_softmax(logits: torch.Tensor, binary: torch.Tensor) -> torch.Tensor:
    """log-probabilities (N, 3); binary rows renormalise over negative/positive."""
    off = torch.zeros_like(logits)
    off[:, NEU] = torch.where(binary, float("-inf"), 0.0)
    return F.log_softmax(logits + off, dim=-1)


def fit_bias(logits: np.ndarray, y: np.ndarray, binary: np.ndarray, grid: np.ndarray = np.linspace(-1.0, 2.0, 31)) -> np.ndarray:
    """Bias (3,) on the negative and neutral logits that maximises validation macro-F1 on 3-class rows plus
    accuracy on binary rows (negative vs positive).

    The neutral bias moves only the 3-class decision; the negative bias moves both, so both kinds of rows
    vote on it. The classes a minority-weighted loss still under-predicts (neutral and negative in reviews
    that are mostly positive) are what macro-F1 hinges on.
    """
    three, two = (~binary) & (y >= 0), binary & (y >= 0)
    if three.sum() + two.sum() < 30:
        return np.zeros(3, dtype=np.float32)
    best, best_score = np.zeros(3, dtype=np.float32), -1.0
    for neg in grid[(grid >= -1.0) & (grid <= 1.0)]:
        for neu in grid:
            bias = np.array([neg, neu, 0.0])
            score = 0.0
            if three.sum() >= 30:
                score += macro_f1(y[three], (logits[three] + bias).argmax(1), 3)
            if two.sum() >= 30:
                z = logits[two] + bias
                score += float(((z[:, 0] > z[:, 2]) == (y[two] == 0)).mean())
            if score > best_score + 1e-9:
                best, best_score = bias.astype(np.float32), score
    return best


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


def fit_mix(deep: np.ndarray, wide: np.ndarray, y: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """Weights (2,) of the deep and the wide sentiment logits (N, 3) minimising the validation log-loss.

    Fitted on held-out rows, not training rows: there the linear model's confidence is honest, so each
    part gets the weight its held-out accuracy earns.
    """
    rows = y >= 0
    d, w = torch.tensor(deep[rows]), torch.tensor(wide[rows])
    target, mask = torch.tensor(y[rows]), torch.tensor(binary[rows])
    weights = torch.ones(2, requires_grad=True)
    opt = torch.optim.LBFGS([weights], lr=0.5, max_iter=100)

    def closure():
        opt.zero_grad()
        loss = F.nll_loss(masked_log_softmax(weights[0] * d + weights[1] * w, mask), target)
        loss.backward()
        return loss

    opt.step(closure)
    return weights.detach().clamp(min=0.0).numpy()


def fit_lexicon_weight(logits: np.ndarray, score: np.ndarray, y: np.ndarray, binary: np.ndarray,
                       l2: float = 1e-3) -> np.ndarray:
    """Logits (3,) one unit of lexicon score adds, fitted on validation on top of `logits` (N, 3): the logits the
    model has when its wide path is silent (text of unfamiliar n-grams), so the lexicon learns the weight it
    deserves there rather than what is left over beside a confident in-domain wide path."""
    rows = y >= 0
    base, s = torch.tensor(logits[rows]), torch.tensor(score[rows], dtype=torch.float32)[:, None]
    target, mask = torch.tensor(y[rows]), torch.tensor(binary[rows])
    weight = torch.zeros(3, requires_grad=True)
    opt = torch.optim.LBFGS([weight], lr=0.5, max_iter=100)

    def closure():
        opt.zero_grad()
        loss = F.nll_loss(masked_log_softmax(base + s * weight, mask), target) + l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return (weight.detach() - weight.detach()[NEU]).numpy()          # softmax ignores a shared shift: neutral at 0
