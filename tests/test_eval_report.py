"""The evaluation report says in words what its calibration figures mean: ECE before and after the bias and
temperature fitted on validation, measured where the report is, and whether calibration helped there."""

from __future__ import annotations

import pytest
from rich.console import Console

from reviewlens.flows.training.eval_report import calibration_note, print_evaluation

CLASSES = ("negative", "positive")


def entry(before: float, after: float) -> dict:
    per_class = dict.fromkeys(CLASSES, 0.8)
    model = {"n": 400, "accuracy": 0.8, "macro_f1": 0.8, "ece": after, "per_class_f1": per_class,
             "per_class_precision": per_class, "per_class_recall": per_class, "confusion": [[160, 40], [40, 160]]}
    return {"model": model, "ece_before_calibration": before}


@pytest.mark.parametrize("before, after, verdict", [
    (0.022, 0.026, "no real change (a difference under 0.01 is noise)"),
    (0.080, 0.030, "calibration helped"),
    (0.020, 0.045, "worse after (the bias is fitted for macro-F1, which can cost calibration)"),
])
def test_the_calibration_note_says_whether_calibration_helped_where_it_was_measured(before, after, verdict):
    assert calibration_note("en", entry(before, after), "the fixed test split") == (
        f"en: calibration error (ECE) on the fixed test split is {before:.3f} before the bias and temperature fitted on "
        f"validation, {after:.3f} after: {verdict}")


def test_the_report_prints_the_note_instead_of_a_bare_before_figure():
    out = Console(record=True, width=100)
    print_evaluation(out, {"sentiment": {"en": entry(0.022, 0.026)}}, where="export.csv")
    text = out.export_text()
    assert "ece before calibration" not in text and "calibration error (ECE)" in text
    assert ("en: calibration error (ECE) on export.csv is 0.022 before the bias and temperature fitted on validation, "
            "0.026 after: no real change (a difference under 0.01 is noise)") in text


def test_a_report_without_the_before_figure_prints_no_note():
    figures = entry(0.022, 0.026)
    del figures["ece_before_calibration"]
    assert calibration_note("zh", figures, "the fixed test split") is None
