"""Sentiment figures per language, the one number models are compared on, and what should stop a model being trusted.

Rows whose gold labels come from sources that never say neutral (the Chinese corpus) are scored over
negative/positive (the larger of p_negative and p_positive); the others over all three classes.
"""

from __future__ import annotations

import numpy as np

from reviewlens.models.classifier import NEG, POS, SENTIMENTS
from reviewlens.models.metrics import report, resampled_macro_f1

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


GAP_BOOTSTRAPS = 200          # paired resamples of a language's rows that measure how noisy the gap to the baseline is


def gap_noise(y: np.ndarray, model_probs: np.ndarray, baseline_probs: np.ndarray, binary: bool,
              boots: int = GAP_BOOTSTRAPS, seed: int = 0) -> float:
    """The standard error of (model - baseline) in the figure this language adds to the headline (accuracy on binary
    rows, macro-F1 on 3-class ones), over paired bootstrap resamples of the labelled rows: how far apart the two can
    land on rows like these by chance alone.

    >>> y = np.array([0, 2] * 50); same = np.eye(3)[y]
    >>> gap_noise(y, same, same, binary=True)                            # identical predictions: no noise at all
    0.0
    """
    keep = y >= 0
    y, model_probs, baseline_probs = y[keep], model_probs[keep], baseline_probs[keep]
    if len(y) < 2:
        return 0.0
    picks = np.random.default_rng(seed).integers(0, len(y), (boots, len(y)))          # (R, n)
    if binary:
        right = [np.where(p[:, POS] > p[:, NEG], POS, NEG) == y for p in (model_probs, baseline_probs)]
        gaps = [r[picks].mean(1) for r in right]
    else:
        gaps = [resampled_macro_f1(y, p.argmax(1), picks) for p in (model_probs, baseline_probs)]
    return float(np.std(gaps[0] - gaps[1]))


def headline(figures: dict, who: str = "model") -> float:
    """One number to compare models on: the mean of Chinese accuracy and English macro-F1 (what exists of them),
    from per-language figures ({language: {"model": report, "baseline": report}}); -inf when there is none."""
    parts = [entry[who][HEADLINE[language]] for language, entry in figures.items() if language in HEADLINE and who in entry]
    return sum(parts) / len(parts) if parts else float("-inf")


def concerns(figures: dict) -> list[str]:
    """Why these figures should stop a model being trusted, in words: a sentiment present in the gold labels that it
    never gets right (F1 0), or a score below the TF-IDF baseline's on the same rows (languages both were scored on) by
    more than one standard error of the gap (each language's `baseline_gap_se`, where measured): a model level with
    the baseline within noise is no reason to leave a store with no model, or with an older one."""
    out = []
    for language, entry in figures.items():
        model = entry["model"]
        for (name, f1), truth in zip(model["per_class_f1"].items(), model["confusion"]):
            if f1 == 0 and sum(truth):
                out.append(f"{language}: it finds none of the {sum(truth):,} {name} reviews ({name} F1 is 0)")
    both = {language: entry for language, entry in figures.items() if "baseline" in entry}
    mine, theirs = headline(both), headline(both, "baseline")
    # the headline is a mean over languages, each scored on rows of its own: the noise of its gap adds in quadrature
    noise = np.sqrt(sum(entry.get("baseline_gap_se", 0.0) ** 2 for entry in both.values())) / max(len(both), 1)
    if both and mine < theirs - noise:
        digits = 3 if round(mine, 3) < round(theirs, 3) else 4      # never "0.756, below 0.756"
        beyond = f", further than chance moves the two apart on these rows ({noise:.3f})" if noise else ""
        out.append(f"it scores {mine:.{digits}f}, below the TF-IDF baseline's {theirs:.{digits}f} "
                   f"(mean of Chinese accuracy and English macro-F1){beyond}")
    return out
