"""Classification metrics, dependency-free: accuracy, per-class and macro F1, confusion matrix, ECE."""

from __future__ import annotations

import numpy as np


def confusion(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """(n, n) counts, rows = truth.  confusion([0, 1], [0, 0], 2) -> [[1, 0], [1, 0]]"""
    out = np.zeros((n, n), dtype=np.int64)
    np.add.at(out, (y, pred), 1)
    return out


def per_class_f1(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    cm = confusion(y, pred, n)
    tp = np.diag(cm).astype(float)
    precision = np.divide(tp, cm.sum(0), out=np.zeros(n), where=cm.sum(0) > 0)
    recall = np.divide(tp, cm.sum(1), out=np.zeros(n), where=cm.sum(1) > 0)
    return np.divide(2 * precision * recall, precision + recall, out=np.zeros(n), where=(precision + recall) > 0)


def macro_f1(y: np.ndarray, pred: np.ndarray, n: int) -> float:
    """Mean F1 over the classes present in y.  macro_f1([0, 1], [0, 0], 2) -> 0.333…"""
    present = np.bincount(y, minlength=n) > 0
    return float(per_class_f1(y, pred, n)[present].mean())


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class probability."""
    confidence, pred = probs.max(1), probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            total += in_bin.mean() * abs((pred[in_bin] == y[in_bin]).mean() - confidence[in_bin].mean())
    return float(total)


def report(y: np.ndarray, pred: np.ndarray, names: list[str], probs: np.ndarray | None = None) -> dict:
    """The figures reviewlens reports for one language and one model."""
    n = len(names)
    out = {
        "n": int(len(y)),
        "accuracy": float((y == pred).mean()) if len(y) else float("nan"),
        "macro_f1": macro_f1(y, pred, n) if len(y) else float("nan"),
        "per_class_f1": dict(zip(names, map(float, per_class_f1(y, pred, n)))),
        "confusion": confusion(y, pred, n).tolist(),
    }
    if probs is not None and len(y):
        out["ece"] = ece(probs, y)
    return out
