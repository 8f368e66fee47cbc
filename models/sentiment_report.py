"""Sentiment figures per language, the one number models are compared on, and what should stop a model being trusted.

Rows whose gold labels come from sources that never say neutral (the Chinese corpus) are scored over
negative/positive (the larger of p_negative and p_positive); the others over all three classes.
"""

from __future__ import annotations

import numpy as np

from reviewlens.models.classifier import NEG, POS, SENTIMENTS
from reviewlens.models.metrics import report

HEADLINE = {"zh": "accuracy", "en": "macro_f1"}     # the figure each language contributes to a model's score


def _binary_view(y: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map 3-class truth and probabilities onto negative/positive."""
    two = probs[:, [NEG, POS]]
    two = two / two.sum(1, keepdims=True)
    return (y == POS).astype(np.int64), two.argmax(1), two


def sentiment_report(y: np.ndarray, probs: np.ndarray, binary: bool) -> dict:
    """Figures for one language's labelled rows."""
    keep = y >= 0
    y, probs = y[keep], probs[keep]
    if binary:
        y2, pred, p2 = _binary_view(y, probs)
        return report(y2, pred, ["negative", "positive"], p2)
    return report(y, probs.argmax(1), list(SENTIMENTS), probs)


def headline(figures: dict, who: str = "model") -> float:
    """One number to compare models on: the mean of Chinese accuracy and English macro-F1 (what exists of them),
    from per-language figures ({language: {"model": report, "baseline": report}}); -inf when there is none."""
    parts = [entry[who][HEADLINE[language]] for language, entry in figures.items() if language in HEADLINE and who in entry]
    return sum(parts) / len(parts) if parts else float("-inf")


def concerns(figures: dict) -> list[str]:
    """Why these figures should stop a model being trusted, in words: a sentiment present in the gold labels that it
    never gets right (F1 0), or a score below the TF-IDF baseline's on the same rows (languages both were scored on)."""
    out = []
    for language, entry in figures.items():
        model = entry["model"]
        for (name, f1), truth in zip(model["per_class_f1"].items(), model["confusion"]):
            if f1 == 0 and sum(truth):
                out.append(f"{language}: it finds none of the {sum(truth):,} {name} reviews ({name} F1 is 0)")
    both = {language: entry for language, entry in figures.items() if "baseline" in entry}
    mine, theirs = headline(both), headline(both, "baseline")
    if both and mine < theirs:
        digits = 3 if round(mine, 3) < round(theirs, 3) else 4      # never "0.756, below 0.756"
        out.append(f"it scores {mine:.{digits}f}, below the TF-IDF baseline's {theirs:.{digits}f} "
                   "(mean of Chinese accuracy and English macro-F1)")
    return out
