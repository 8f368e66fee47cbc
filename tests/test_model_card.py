"""The dashboard's model card: the active model's figures as measured when it was trained, and only what was measured."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from reviewlens.reports.dashboard import model_card

FIGURES = {"n": 10, "accuracy": 0.8, "macro_f1": 0.7, "ece": 0.05, "per_class_f1": {"negative": 0.7, "positive": 0.8},
           "confusion": [[3, 1], [1, 5]]}


def card(metrics: dict) -> dict:
    return model_card(pd.DataFrame([{"model_version": "demo-1", "created_at": datetime(2026, 11, 28, 2, 15),
                                     "preset": "demo", "metrics": json.dumps(metrics)}]))


def test_a_model_trained_without_ablations_shows_no_ablation_columns():
    shown = card({"sentiment": {"zh": {"model": FIGURES, "baseline": FIGURES}}})
    assert shown["ablations"] == []
    assert not any(key.startswith(("random_init", "wide_only")) for key in shown["languages"][0])


def test_only_the_ablations_that_ran_are_shown():
    shown = card({"sentiment": {"zh": {"model": FIGURES, "baseline": FIGURES}},
                  "wide_only": {"zh": {"model": {**FIGURES, "accuracy": 0.75}}}})
    assert [a["label"] for a in shown["ablations"]] == ["wide path alone"]
    assert shown["languages"][0]["wide_only_accuracy"] == 0.75
    assert not any(key.startswith("random_init") for key in shown["languages"][0])


def test_the_card_says_whether_the_baseline_was_calibrated_like_the_model():
    assert card({"sentiment": {}, "baseline_calibration": {"temperature": 1.2, "bias": [0, 0.1, 0]}})["baseline_calibrated"]
    assert not card({"sentiment": {}})["baseline_calibrated"]          # models trained before it was


ASPECTS = {"pairs": 383, "accuracy": 0.721, "negative_pairs": 127, "negative_found": 84, "negative_recall": 0.66}


def test_the_card_shows_aspect_accuracy_over_every_gold_pair_beside_copying_the_review_sentiment():
    from reviewlens.reports.dashboard import _environment

    topics = {"model": {"n": 210, "micro_f1": 0.79, "macro_f1": 0.73}, "seed_words": {"n": 210, "micro_f1": 0.812, "macro_f1": 0.76},
              "aspects": {"model": ASPECTS, "copy_review_sentiment": {**ASPECTS, "accuracy": 0.781, "negative_found": 87},
                          "copy_onto_model_topics": {**ASPECTS, "accuracy": 0.702, "negative_found": 80}}}
    shown = card({"sentiment": {}, "topics": topics})
    html = _environment().get_template("_topics.html.j2").render(card=shown)
    assert "topic micro-F1 0.790 (the seed-word labeller it learns from: 0.812)" in html
    assert "right for 72% of all 383 (topic, sentiment) pairs" in html and "copying each review" in html and "78%" in html
    assert "negative topics found: 84 of 127 (copying: 87)" in html
    assert "to the topics the model named: 70%" in html


def test_a_model_measured_before_every_gold_pair_was_counted_shows_no_aspect_figure():
    old = {"model": {"n": 210, "micro_f1": 0.77, "macro_f1": 0.7}, "seed_words": {"n": 210, "micro_f1": 0.81, "macro_f1": 0.7},
           "aspect_sentiment_accuracy": 0.81, "aspect_pairs": 294}
    assert card({"sentiment": {}, "topics": old})["topics"] is None


def test_a_store_that_learned_beside_the_base_corpora_sees_its_own_test_reviews_apart():
    mine = {**FIGURES, "n": 36, "accuracy": 0.972}
    shown = card({"sentiment": {"en": {"model": FIGURES, "baseline": FIGURES}},
                  "store": {"en": {"model": mine, "baseline": FIGURES}}})
    assert [(row["language"], row["n"], row["accuracy"]) for row in shown["own"]] == [("en", 36, 0.972)]
    assert card({"sentiment": {"en": {"model": FIGURES}}})["own"] == []             # the store's rows are the split


def test_a_store_whose_test_reviews_carry_no_label_is_told_the_figures_are_the_base_corpora():
    shown = card({"sentiment": {"en": {"model": FIGURES, "baseline": FIGURES}}, "store_unjudged": 120})
    assert shown["unjudged"].startswith("every sentiment figure on the fixed test split is the base corpora's")
    assert "the store's 120 reviews there carry no rating or label" in shown["unjudged"]
    assert card({"sentiment": {"en": {"model": FIGURES, "baseline": FIGURES}}})["unjudged"] is None
