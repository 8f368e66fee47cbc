"""Sentiment evaluation per language, with the TF-IDF baseline on the same split beside it.

Chinese gold labels are binary, so Chinese is scored over negative/positive (the larger of p_negative
and p_positive); English is scored over all three classes.
"""

from __future__ import annotations

import numpy as np

from reviewlens.models.baseline import fit_predict
from reviewlens.models.classifier import NEG, POS, SENTIMENTS
from reviewlens.models.metrics import report


def _binary_view(y: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map 3-class truth and probabilities onto negative/positive."""
    two = probs[:, [NEG, POS]]
    two = two / two.sum(1, keepdims=True)
    return (y == POS).astype(np.int64), two.argmax(1), two


def sentiment_report(y: np.ndarray, probs: np.ndarray, binary: bool) -> dict:
    """Figures for one language's labelled test rows."""
    keep = y >= 0
    y, probs = y[keep], probs[keep]
    if binary:
        y2, pred, p2 = _binary_view(y, probs)
        return report(y2, pred, ["negative", "positive"], p2)
    return report(y, probs.argmax(1), list(SENTIMENTS), probs)


def baseline_report(train_texts: list[str], train_y: np.ndarray, test_texts: list[str], test_y: np.ndarray,
                    language: str, binary: bool) -> dict:
    """TF-IDF + LR trained on the same training rows, reported like the model."""
    tr, te = train_y >= 0, test_y >= 0
    train_texts = [t for t, k in zip(train_texts, tr) if k]
    test_texts = [t for t, k in zip(test_texts, te) if k]
    train_y, test_y = train_y[tr], test_y[te]
    pred, proba = fit_predict(language, train_texts, train_y, test_texts)
    classes = sorted(set(train_y.tolist()))
    full = np.zeros((len(test_texts), 3))
    full[:, classes] = proba
    if binary:
        y2, pred2, p2 = _binary_view(test_y, full)
        return report(y2, pred2, ["negative", "positive"], p2)
    return report(test_y, full.argmax(1), list(SENTIMENTS), full)
