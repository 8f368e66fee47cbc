"""Classification metrics, dependency-free: one F1, per-class and macro F1, topic F1 against a gold set,
confusion matrix, ECE."""

from __future__ import annotations

import numpy as np


def f1(tp, fp, fn):
    """F1 from counts, 2·tp / (2·tp + fp + fn); 0 where there is nothing to count. Counts or arrays of counts.

    >>> f1(3, 1, 2)
    0.6666666666666666
    >>> f1(np.array([1, 0, 0]), np.array([1, 2, 0]), np.array([0, 1, 0])).tolist()
    [0.6666666666666666, 0.0, 0.0]
    """
    tp, fp, fn = (np.asarray(count, dtype=float) for count in (tp, fp, fn))
    counted = 2 * tp + fp + fn
    out = np.divide(2 * tp, counted, out=np.zeros_like(counted), where=counted > 0)
    return float(out) if out.ndim == 0 else out


def confusion(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """(n, n) counts, rows = truth.

    >>> confusion(np.array([0, 1]), np.array([0, 0]), 2).tolist()
    [[1, 0], [1, 0]]
    """
    out = np.zeros((n, n), dtype=np.int64)
    np.add.at(out, (y, pred), 1)
    return out


def per_class_f1(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """F1 of each class, (n,).

    >>> per_class_f1(np.array([0, 1]), np.array([0, 0]), 2).tolist()
    [0.6666666666666666, 0.0]
    """
    cm = confusion(y, pred, n)
    tp = np.diag(cm)
    return f1(tp, cm.sum(0) - tp, cm.sum(1) - tp)


def macro_f1(y: np.ndarray, pred: np.ndarray, n: int) -> float:
    """Mean F1 over the classes present in y.

    >>> round(macro_f1(np.array([0, 1]), np.array([0, 0]), 2), 3)
    0.333
    """
    present = np.bincount(y, minlength=n) > 0
    return float(per_class_f1(y, pred, n)[present].mean())


def resampled_macro_f1(y: np.ndarray, pred: np.ndarray, picks: np.ndarray, n: int = 3) -> np.ndarray:
    """macro_f1 of each resample (R,), the rows of y and pred that picks (R, m) names, over the classes present in y
    as a whole: one bincount for every resample, as bootstrap rules call it hundreds of times.

    >>> y, pred = np.array([0, 1, 2, 2]), np.array([0, 1, 2, 0])
    >>> resampled_macro_f1(y, pred, np.array([[0, 1, 2, 3], [0, 0, 1, 2]])).round(3).tolist()
    [0.778, 1.0]
    """
    boots = len(picks)
    cells = np.arange(boots)[:, None] * n * n + y[picks] * n + pred[picks]            # (R, m)
    cm = np.bincount(cells.ravel(), minlength=boots * n * n).reshape(boots, n, n)    # (R, truth, predicted)
    tp = cm[:, np.arange(n), np.arange(n)]                                            # (R, n)
    present = np.bincount(y, minlength=n) > 0
    return f1(tp, cm.sum(1) - tp, cm.sum(2) - tp)[:, present].mean(1)


def topic_f1(gold: list[set[str]], predicted: list[set[str]], topics: list[str]) -> dict:
    """Topic detection against a gold set: micro-F1 over all (review, topic) pairs; macro-F1 over the topics
    that occur in the gold set.

    >>> scores = topic_f1([{"a"}, {"b"}], [{"a"}, set()], ["a", "b"])
    >>> round(scores["micro_f1"], 3), scores["macro_f1"], scores["per_topic_f1"]
    (0.667, 0.5, {'a': 1.0, 'b': 0.0})
    """
    pairs = list(zip(gold, predicted))
    micro = f1(sum(len(g & p) for g, p in pairs), sum(len(p - g) for g, p in pairs), sum(len(g - p) for g, p in pairs))
    per_topic = {}
    for topic in topics:
        tp = sum(topic in g and topic in p for g, p in pairs)
        fn = sum(topic in g and topic not in p for g, p in pairs)
        if tp + fn:
            per_topic[topic] = f1(tp, sum(topic not in g and topic in p for g, p in pairs), fn)
    macro = sum(per_topic.values()) / len(per_topic) if per_topic else 0.0
    return {"n": len(gold), "micro_f1": micro, "macro_f1": macro, "per_topic_f1": per_topic}


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, 0 where whole is 0."""
    return np.divide(part, whole, out=np.zeros(len(whole)), where=whole > 0)


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
    """The figures reviewlens reports for one language and one model; a class never predicted has precision 0.

    >>> figures = report(np.array([0, 0, 1]), np.array([0, 1, 1]), ["negative", "positive"])
    >>> figures["per_class_precision"], figures["per_class_recall"], figures["confusion"]
    ({'negative': 1.0, 'positive': 0.5}, {'negative': 0.5, 'positive': 1.0}, [[1, 1], [0, 1]])
    """
    n = len(names)
    cm = confusion(y, pred, n)
    tp = np.diag(cm)
    out = {
        "n": int(len(y)),
        "accuracy": float((y == pred).mean()) if len(y) else float("nan"),
        "macro_f1": macro_f1(y, pred, n) if len(y) else float("nan"),
        "per_class_precision": dict(zip(names, map(float, _share(tp, cm.sum(0))))),
        "per_class_recall": dict(zip(names, map(float, _share(tp, cm.sum(1))))),
        "per_class_f1": dict(zip(names, map(float, per_class_f1(y, pred, n)))),
        "confusion": cm.tolist(),
    }
    if probs is not None and len(y):
        out["ece"] = ece(probs, y)
    return out
