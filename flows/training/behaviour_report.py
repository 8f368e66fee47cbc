"""The behavioural suite's pass rates for a model: per language and capability, how many cases, what share passed and
three that did not. Chinese is judged as its gold labels are: negative or positive, by the larger of the two."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from reviewlens.flows.training.behaviour import Case
from reviewlens.models.classifier import NEG, POS, SENTIMENTS

EXAMPLES = 3                # failed texts kept per capability


class Scorer(Protocol):
    """What the report needs of a model (ReviewModel has it): one result with `.probs` (negative, neutral, positive)
    per text, in order."""

    def score(self, texts: list[str], aspects: bool = True, embeddings: bool = True) -> list: ...


def verdict(probs: np.ndarray, judge: str) -> str:
    """The predicted label: the argmax of the three, or, judged binary, the larger of p_negative and p_positive (a tie
    says negative, as binary accuracy does).

    >>> verdict(np.array([0.2, 0.5, 0.3]), "three_class"), verdict(np.array([0.2, 0.5, 0.3]), "binary")
    ('neutral', 'positive')
    """
    if judge == "binary":
        return "positive" if probs[POS] > probs[NEG] else "negative"
    return SENTIMENTS[int(np.argmax(probs))]


def strength(probs: np.ndarray, label: str, judge: str) -> float:
    """The probability of `label`, over negative/positive only when judged binary."""
    if judge == "binary":
        return float(probs[SENTIMENTS.index(label)] / max(probs[NEG] + probs[POS], 1e-12))
    return float(probs[SENTIMENTS.index(label)])


def passes(case: Case, probs: dict[str, np.ndarray]) -> bool:
    """MFT: the label is one it passes with; INV: the same label as the original; DIR: the expected label's probability
    is at most the tolerance below the original's."""
    judge = case.capability.judge
    if case.type == "MFT":
        return verdict(probs[case.text], judge) in case.expected
    if case.type == "INV":
        return verdict(probs[case.text], judge) == verdict(probs[case.original], judge)
    label = case.expected[0]
    return strength(probs[case.text], label, judge) >= strength(probs[case.original], label, judge) - case.capability.tolerance


def behaviour_report(model: Scorer, cases: Sequence[Case]) -> dict:
    """{language: {capability: {"type", "description", "n", "pass_rate", "examples_failed", "floor"[, "note"]}}}, every
    text scored once in one pass."""
    texts = list(dict.fromkeys(t for case in cases for t in (case.text, case.original) if t is not None))
    scored = model.score(texts, aspects=False, embeddings=False)
    probs = {text: np.asarray(s.probs, dtype=np.float64) for text, s in zip(texts, scored)}
    report: dict[str, dict[str, dict]] = {}
    for capability in dict.fromkeys(case.capability for case in cases):
        mine = [case for case in cases if case.capability == capability]
        failed = [case.text for case in mine if not passes(case, probs)]
        entry = {"type": capability.type, "description": capability.description, "n": len(mine),
                 "pass_rate": round(1 - len(failed) / len(mine), 4), "examples_failed": failed[:EXAMPLES],
                 "floor": capability.floor}
        if capability.note:
            entry["note"] = capability.note
        report.setdefault(capability.language, {})[capability.name] = entry
    return report
