"""The behavioural tests (CheckList-style, issue 19.3) as a specification: what the generated suite holds, how a model's
predictions are judged against it, the floor, and where the pass rates are shown."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from datetime import datetime
from importlib import resources
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from reviewlens.flows.training.behaviour import Case, generate_cases, load_suite, opinion_words
from reviewlens.flows.training.behaviour_report import behaviour_report
from reviewlens.models.classifier import SENTIMENTS
from reviewlens.reports.behaviour_floor import BEHAVIOUR_FLOOR, below_floor, mft_pass_rate
from reviewlens.reports.dashboard import _environment, model_card

CASES = generate_cases()
CAPABILITIES = {"en": ["vocabulary", "negation", "contrast", "intensifiers", "typos", "casing", "neutral"],
                "zh": ["vocabulary", "negation", "contrast", "intensifiers", "typos", "punctuation", "neutral"]}
CHINESE_NEUTRAL_NOTE = "not trainable from the Chinese corpus (binary labels)"


def cases(language: str, capability: str) -> list[Case]:
    return [c for c in CASES if c.language == language and c.capability.name == capability]


class Predictor:
    """A stand-in for ReviewModel.score: one-hot probabilities from a function of the text."""

    def __init__(self, label_of) -> None:
        self.label_of = label_of

    def score(self, texts, aspects=True, embeddings=True):
        return [SimpleNamespace(probs=np.eye(3)[SENTIMENTS.index(self.label_of(t))]) for t in texts]


def oracle() -> Predictor:
    """Says of every text (and of every original an INV or DIR case compares with) the label the suite expects."""
    truth: dict[str, str] = {}
    for case in CASES:
        for text in filter(None, (case.text, case.original)):
            assert truth.setdefault(text, case.expected[0]) == case.expected[0], f"two labels expected of {text!r}"
    return Predictor(truth.__getitem__)


# --- the suite ---------------------------------------------------------------------------------------------------

def test_each_language_has_at_least_300_cases_over_the_capabilities_the_issue_names():
    for language, names in CAPABILITIES.items():
        mine = [c for c in CASES if c.language == language]
        assert len(mine) >= 300
        assert list(dict.fromkeys(c.capability.name for c in mine)) == names


def test_every_capability_has_at_least_40_distinct_cases():
    counts = Counter((c.language, c.capability.name) for c in CASES)
    assert min(counts.values()) >= 40
    assert len({(c.language, c.text) for c in CASES}) == len(CASES)


def test_test_types_are_checklists():
    types = {(c.language, c.capability.name): c.type for c in CASES}
    for language in CAPABILITIES:
        assert {name for (lang, name), t in types.items() if lang == language and t == "MFT"} == {
            "vocabulary", "negation", "contrast", "neutral"}
        assert types[(language, "intensifiers")] == "DIR" and types[(language, "typos")] == "INV"
    assert types[("en", "casing")] == types[("zh", "punctuation")] == "INV"


def test_generation_is_deterministic():
    text = resources.files("reviewlens.flows.training").joinpath("data", "behaviour.toml").read_text(encoding="utf-8")
    assert generate_cases(tomllib.loads(text)) == CASES


def test_the_verticals_are_the_ones_the_issue_names():
    for language in CAPABILITIES:
        assert set(load_suite()[language]["verticals"]) == {
            "electronics", "home", "restaurant", "hotel", "books", "apps", "clothing"}


def test_an_opinion_word_has_one_polarity():
    for words in opinion_words().values():
        assert not words["positive"] & words["negative"]


def test_mft_sentences_with_opinions_are_half_positive_half_negative():
    for language in CAPABILITIES:
        for name in ("vocabulary", "contrast"):
            labels = Counter(c.expected for c in cases(language, name))
            assert abs(labels[("positive",)] - labels[("negative",)]) <= 0.1 * len(cases(language, name))


def test_a_negated_positive_is_negative_and_a_negated_negative_anything_but_negative():
    for language in CAPABILITIES:
        labels = Counter(c.expected for c in cases(language, "negation"))
        assert set(labels) == {("negative",), ("positive", "neutral")}
        assert min(labels.values()) >= 0.4 * len(cases(language, "negation"))
    assert "The chair is not lumpy at all." in {c.text for c in cases("en", "negation") if c.expected == ("positive", "neutral")}


def last_opinion(language: str, text: str) -> str:
    """The polarity of the opinion word that ends last in a text (the longest when two end together)."""
    words = opinion_words()[language]
    found = [(m.end(), len(w), polarity) for polarity in words for w in words[polarity]
             for m in re.finditer(rf"\b{re.escape(w)}\b" if language == "en" else re.escape(w), text)]
    return max(found)[2]


def test_contrast_takes_the_label_of_the_clause_after_the_contrast_word():
    for language in CAPABILITIES:
        for case in cases(language, "contrast"):
            assert case.expected == (last_opinion(language, case.text),), case.text
            assert re.search(r"\bbut\b|however|Although|但|不过|可是|没想到", case.text), case.text


def test_neutral_cases_are_statements_of_fact_with_no_opinion_word():
    for language in CAPABILITIES:
        words = set().union(*opinion_words()[language].values())
        for case in cases(language, "neutral"):
            assert case.expected == ("neutral",)
            assert not any(re.search(rf"\b{re.escape(w)}\b" if language == "en" else re.escape(w), case.text)
                           for w in words if len(w) > 1), case.text


def test_an_english_typo_swaps_two_adjacent_letters_of_a_word_that_carries_no_opinion():
    words = set().union(*opinion_words()["en"].values())
    for case in cases("en", "typos"):
        changed = [i for i, (a, b) in enumerate(zip(case.text, case.original)) if a != b]
        assert len(case.text) == len(case.original) and len(changed) == 2 and changed[1] == changed[0] + 1, case.text
        i = changed[0]
        assert case.text[i:i + 2] == case.original[i + 1] + case.original[i]
        word = next(m.group() for m in re.finditer(r"[\w'-]+", case.original) if m.start() <= i < m.end())
        assert word not in words, case.text


def test_casing_changes_nothing_but_letter_case():
    kinds = Counter()
    for case in cases("en", "casing"):
        assert case.text != case.original and case.text.lower() == case.original.lower()
        kinds["upper" if case.text.isupper() else "lower" if case.text.islower() else "title"] += 1
    assert set(kinds) == {"upper", "lower", "title"}


def test_a_chinese_typo_is_one_homophone_of_a_word_that_carries_no_opinion():
    pairs = {tuple(p) for p in load_suite()["zh"]["typos"]["homophones"]}
    words = set().union(*opinion_words()["zh"].values())
    for case in cases("zh", "typos"):
        changed = [(a, b) for a, b in zip(case.original, case.text) if a != b]
        assert len(case.text) == len(case.original) and len(changed) == 1 and changed[0] in pairs, case.text
        assert [w for w in words if w in case.original] == [w for w in words if w in case.text], case.text


def test_chinese_punctuation_cases_change_only_punctuation_and_spaces():
    section = load_suite()["zh"]["punctuation"]
    marks = {c for pair in section["halfwidth"] for c in pair} | set("".join(section["endings"])) | {" "}
    strip = lambda text: "".join(c for c in text if c not in marks)
    for case in cases("zh", "punctuation"):
        assert case.text != case.original and strip(case.text) == strip(case.original), case.text


def test_an_intensifier_case_adds_only_an_intensifier():
    for language in CAPABILITIES:
        section, words = load_suite()[language]["intensifiers"], opinion_words()[language]
        for case in cases(language, "intensifiers"):
            stronger = {case.original.replace(section["plain"].format(adj=w), p.format(adj=w), 1)
                        for w in words[case.expected[0]] for p in section["intensified"]}
            assert case.text in stronger, case.text


# --- judging -----------------------------------------------------------------------------------------------------

def test_an_oracle_passes_every_case():
    report = behaviour_report(oracle(), CASES)
    assert {language: list(entries) for language, entries in report.items()} == CAPABILITIES
    for entries in report.values():
        for entry in entries.values():
            assert entry["pass_rate"] == 1.0 and entry["examples_failed"] == []
    assert below_floor(report) == []


@pytest.mark.parametrize("label", SENTIMENTS)
def test_a_constant_predictor_fails_negation_and_contrast_but_passes_invariance(label):
    report = behaviour_report(Predictor(lambda text: label), CASES)
    for language, entries in report.items():
        for name in ("negation", "contrast"):
            assert entries[name]["pass_rate"] <= 0.6 and len(entries[name]["examples_failed"]) == 3
        assert all(e["pass_rate"] == 1.0 for e in entries.values() if e["type"] in ("INV", "DIR"))   # why MFTs matter
    assert [line.split(":")[0] for line in below_floor(report)] == ["en", "zh"]


def test_chinese_is_judged_by_the_larger_of_negative_and_positive():
    leaning = Predictor(lambda text: "neutral")
    leaning.score = lambda texts, **_: [SimpleNamespace(probs=np.array([0.1, 0.6, 0.3])) for _ in texts]
    report = behaviour_report(leaning, CASES)
    positives = sum(c.expected == ("positive",) for c in cases("zh", "vocabulary"))
    assert report["zh"]["vocabulary"]["pass_rate"] == round(positives / len(cases("zh", "vocabulary")), 4)
    assert report["en"]["vocabulary"]["pass_rate"] == 0.0             # English: the argmax of the three (neutral)


def test_chinese_neutral_facts_are_reported_but_not_counted_in_the_floor():
    report = behaviour_report(oracle(), CASES)
    report["zh"]["neutral"]["pass_rate"] = 0.0                          # what a model trained on binary labels gets
    entry = report["zh"]["neutral"]
    assert entry["note"] == CHINESE_NEUTRAL_NOTE and entry["floor"] is False
    assert mft_pass_rate(report["zh"]) == 1.0 and below_floor(report) == []
    assert report["en"]["neutral"]["floor"] is True and "note" not in report["en"]["neutral"]


def test_the_floor_is_85_percent_of_a_languages_mft_cases():
    assert BEHAVIOUR_FLOOR == 0.85
    entries = lambda rate: {"vocabulary": {"type": "MFT", "n": 50, "pass_rate": 1.0, "floor": True},
                            "negation": {"type": "MFT", "n": 50, "pass_rate": rate, "floor": True},
                            "typos": {"type": "INV", "n": 50, "pass_rate": 0.0, "floor": True}}
    assert below_floor({"en": entries(0.7)}) == []                     # (1.0 + 0.7) / 2 = 0.85: at the floor
    assert below_floor({"en": entries(0.6), "zh": entries(0.9)}) == [
        "en: it passes 80% of the behavioural minimum-functionality cases, below the 85% floor (negation 60%)"]


# --- where it is shown -------------------------------------------------------------------------------------------

def card(metrics: dict) -> dict:
    return model_card(pd.DataFrame([{"model_version": "demo-1", "created_at": datetime(2026, 11, 28, 2, 15),
                                     "preset": "demo", "metrics": json.dumps(metrics)}]))


def test_the_model_card_shows_the_pass_rate_of_each_capability():
    report = behaviour_report(Predictor(lambda text: "positive"), CASES)
    shown = card({"sentiment": {}, "behaviour": report})
    assert [(b["language"], [c["name"] for c in b["capabilities"]]) for b in shown["behaviour"]] == list(CAPABILITIES.items())
    assert all(b["below_floor"] for b in shown["behaviour"])
    html = _environment().get_template("_behaviour.html.j2").render(card=shown)
    for language, names in CAPABILITIES.items():
        assert f"{language} (MFT {mft_pass_rate(report[language]):.0%}, below the floor)" in html
        assert all(f">{name}<" in html or f">{name} <" in html for name in names)
    assert CHINESE_NEUTRAL_NOTE in html and "The floor is 85%" in html


def test_a_model_trained_before_the_suite_has_no_behaviour_rows():
    assert card({"sentiment": {}})["behaviour"] == []


def cli(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWLENS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", *args], capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_train_stores_and_eval_prints_the_pass_rate_of_each_capability(trained_home):
    settings, summary = trained_home
    stored = summary.metrics["behaviour"]
    assert {language: list(entries) for language, entries in stored.items()} == CAPABILITIES
    assert summary.active                         # below the floor or not: the floor is reported, never enforced
    result = cli("eval", home=settings.home)
    assert result.returncode == 0, result.stderr
    report = " ".join(re.sub("[\u2500-\u257f]", " ", result.stdout).split())
    assert "behavioural tests (CheckList-style; floor: 85% of the MFT cases per language)" in report
    for language, names in CAPABILITIES.items():
        rows = report.split(f"{language} (MFT ")[1]
        assert all(f" {name} " in rows or f" {name}* " in rows for name in names)
    warned = [line.removeprefix("warning: ") for line in result.stdout.splitlines() if line.startswith("warning")]
    assert all("behavioural minimum-functionality cases" in line for line in warned)    # nothing else to warn about
    assert {line.split(":")[0] for line in warned} == {line.split(":")[0] for line in below_floor(stored)}
