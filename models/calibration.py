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
    """Bias (3,) on the neutral logit that maximises macro-F1 on 3-class rows.

    Only neutral moves: it is the minority class macro-F1 hinges on, and a neutral bias leaves the
    negative-vs-positive decision (all that binary sources such as the Chinese corpus can check) alone.
    """
    rows = (~binary) & (y >= 0)
    if rows.sum() < 30:
        return np.zeros(3, dtype=np.float32)
    scores = [macro_f1(y[rows], (logits[rows] + np.array([0.0, b, 0.0])).argmax(1), 3) for b in grid]
    return np.array([0.0, grid[int(np.argmax(scores))], 0.0], dtype=np.float32)


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
