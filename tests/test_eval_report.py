"""The evaluation report says in words what its calibration figures mean: ECE before and after the bias and
temperature fitted on validation, measured where the report is, and whether calibration helped there."""

from __future__ import annotations

import pandas as pd
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


def test_a_split_that_holds_base_corpora_reports_the_store_own_reviews_apart():
    from reviewlens.flows.training.finetune_step import evaluate, held_out_figures
    from reviewlens.models.inference import ReviewModel, ScoringOptions
    from tests.helpers import trained_looking_parts

    model = ReviewModel(*trained_looking_parts(), "v", ScoringOptions())
    split = pd.DataFrame({"body": ["soft and warm", "it broke", "fine I guess", "love it", "awful", "ok"],
                          "language": "en", "rating": [5, 1, 3, 5, 1, None], "label": None,
                          "source": ["base: clothing"] * 3 + ["lender.csv"] * 3})
    said = held_out_figures(model, split, None)
    own = said["store"]
    assert set(said) == {"sentiment", "store"} and said["sentiment"] == evaluate(model, split)   # the split's as before
    assert list(own) == ["en"] and own["en"]["model"]["n"] == 2                  # the store's labelled rows only
    alone = evaluate(model, split[split["source"] == "lender.csv"])             # scored once, read twice: the same
    for key in ("n", "accuracy", "macro_f1", "confusion", "per_class_f1"):      # figures (padding moves ECE by 1e-7)
        assert own["en"]["model"][key] == alone["en"]["model"][key]
    assert own["en"]["model"]["ece"] == pytest.approx(alone["en"]["model"]["ece"])
    assert set(held_out_figures(model, split[split["source"] == "lender.csv"], None)) == {"sentiment"}   # nothing apart
    unlabelled = held_out_figures(model, split.assign(rating=[5, 1, 3, None, None, None]), None)
    assert set(unlabelled) == {"sentiment", "store_unjudged"} and unlabelled["store_unjudged"] == 3      # no own labels
    out = Console(record=True, width=120)
    print_evaluation(out, {"sentiment": {"en": entry(0.02, 0.02)}, "store": {"en": entry(0.03, 0.03)}})
    said = " ".join(out.export_text().split())                                # a table title wraps at its table's width
    assert "sentiment on the store's own reviews in the fixed test split (base corpora left out)" in said


def test_figures_of_the_base_corpora_alone_are_said_to_be_not_the_store_own():
    out = Console(record=True, width=120)
    print_evaluation(out, {"sentiment": {"en": entry(0.02, 0.02)}, "store_unjudged": 97})
    said = " ".join(out.export_text().split())
    assert ("warning: every sentiment figure on the fixed test split is the base corpora's (clothing and Chinese shopping "
            "reviews): the store's 97 reviews there carry no rating or label") in said
    assert "`reviewlens eval --input FILE` measures it" in said
    quiet = Console(record=True, width=120)
    print_evaluation(quiet, {"sentiment": {"en": entry(0.02, 0.02)}})
    assert "base corpora's" not in quiet.export_text()
