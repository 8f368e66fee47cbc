"""Labels: seed-word topics, clauses, sentiment targets, the binary-source neutral mask, fixed splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from reviewlens.models.calibration import fit_bias
from reviewlens.models.clauses import split_clauses
from reviewlens.models.finetune import UNLABELLED, sentiment_loss, sentiment_targets
from reviewlens.models.splits import dedupe, normalise, split_of
from reviewlens.models.taxonomy import SeedLabeller, TaxonomyError, load_taxonomy, parse_taxonomy


@pytest.fixture(scope="module")
def labeller():
    return SeedLabeller(load_taxonomy())


@pytest.mark.parametrize("text, topics", [
    ("Runs small and the fabric is thin", {"size_fit", "material"}),
    ("Beautiful colours, worth the price", {"appearance", "price_value"}),
    ("Shipping took forever and the box was crushed", {"delivery", "packaging"}),
    ("Customer service refused my return", {"service"}),
    ("Battery lasts all day, screen is sharp", {"performance"}),
    ("物流太慢，但是质量很好", {"delivery", "quality"}),
    ("酒店位置不错，早餐一般", {"facilities_location"}),
    ("性价比高，客服态度好", {"price_value", "service"}),
    ("这本书的作者写得很好", {"content"}),
    ("Nice.", set()),
    ("Paid $15 for it", {"price_value"}),
    ("£ 9.99 well spent", {"price_value"}),
    ("Rated it $$$ out of habit", set()),
])
def test_seed_labeller_finds_known_topics(labeller, text, topics):
    ids = labeller.taxonomy.ids
    assert {ids[k] for k in labeller.topics_in(text)} == topics


def test_english_seeds_match_whole_words_only(labeller):
    assert "size_fit" not in {labeller.taxonomy.ids[k] for k in labeller.topics_in("a sizeable outfit")}


def test_a_latin_seed_in_a_chinese_list_matches_as_a_word_not_inside_one():
    taxonomy = parse_taxonomy('[online]\ndescription = "Website and app"\nen = ["website"]\nzh = ["网站", "app"]\n')
    labeller = SeedLabeller(taxonomy)
    assert labeller.labels(["The pre-approval process was easy", "what was happening"]).sum() == 0
    assert labeller.labels(["I used the app", "用app下单", "网站打不开"]).sum() == 3


def test_a_quantity_written_as_one_word_holds_its_unit_as_a_seed():
    labeller = SeedLabeller(load_taxonomy(Path(__file__).parents[1] / "models" / "taxonomies" / "health.toml"))
    dosage = labeller.taxonomy.ids.index("dosage")
    assert [dosage in labeller.topics_in(t) for t in ("I take 25mg twice", "put me on 0.5mg", "25 mg", "I am 25")] == [
        True, True, True, False]


def test_a_context_word_names_its_topic_for_a_review_but_not_for_a_clause():
    taxonomy = parse_taxonomy('[effectiveness]\nen = ["it works"]\nzh = ["有效"]\ncontext = ["pain", "症状"]\n')
    review, clause = SeedLabeller(taxonomy), SeedLabeller(taxonomy, clauses=True)
    texts = ["I was in a lot of pain", "症状很重", "it works"]
    assert review.labels(texts)[:, 0].tolist() == [1, 1, 1]
    assert clause.labels(texts)[:, 0].tolist() == [0, 0, 1]


def test_an_everyday_word_names_its_topic_but_does_not_count_where_a_topic_set_is_picked():
    taxonomy = parse_taxonomy('[staff]\nen = ["officer"]\neveryday = ["she"]\n')
    texts = ["She answered every question", "The officer was kind", "Great rate"]
    assert SeedLabeller(taxonomy).labels(texts)[:, 0].tolist() == [1, 1, 0]
    assert SeedLabeller(taxonomy, everyday=False).labels(texts)[:, 0].tolist() == [0, 1, 0]


def test_a_context_or_everyday_entry_that_is_not_a_list_is_refused_with_its_fix():
    for key in ("context", "everyday"):
        with pytest.raises(TaxonomyError, match=f"{key} must be a list"):
            parse_taxonomy(f'[staff]\nen = ["officer"]\n{key} = "she"\n')


def test_a_taxonomy_without_seed_words_is_refused():
    with pytest.raises(TaxonomyError, match="needs seed words"):
        parse_taxonomy('[fit]\ndescription = "no seeds"\n')


@pytest.mark.parametrize("text, clauses", [
    ("Love the colour but it runs small.", ["Love the colour", "but it runs small"]),
    ("Great fit. However, the fabric is thin; returned it", ["Great fit", "However, the fabric is thin", "returned it"]),
    ("质量很好，物流太慢", ["质量很好", "物流太慢"]),
    ("衣服很好看，但是尺码偏小。不过客服态度很好！", ["衣服很好看", "但是尺码偏小", "不过客服态度很好"]),
    ("Perfect", ["Perfect"]),
    ("", []),
    ("!!!", []),
])
def test_clause_splitter(text, clauses):
    assert [text[s:e] for s, e in split_clauses(text)] == clauses


def test_sentiment_targets_prefer_gold_labels_and_mark_binary_sources():
    classes, binary = sentiment_targets(
        ["positive", None, None, "negative", "neutral", None],
        [None, 1, 3, None, None, None],
        ["zh", "en", "en", "zh", "gold3", "en"],
    )
    assert classes.tolist() == [2, 0, 1, 0, 1, UNLABELLED]
    assert binary.tolist() == [True, False, False, True, False, False]


def test_a_review_with_neither_label_nor_rating_is_unlabelled_however_the_store_spells_missing():
    import pandas as pd

    store = pd.DataFrame({"rating": pd.array([5, None, 2], dtype="Int8")})    # DuckDB hands nullable ratings over so
    classes, _ = sentiment_targets([None] * 3, store["rating"].tolist(), ["en"] * 3)
    assert classes.tolist() == [2, UNLABELLED, 0]
    assert sentiment_targets([None, None], [float("nan"), None], ["en", "en"])[0].tolist() == [UNLABELLED, UNLABELLED]


def test_binary_rows_never_push_the_neutral_logit():
    logits = torch.zeros(2, 3, requires_grad=True)
    loss = sentiment_loss(logits, torch.tensor([2, 0]), torch.tensor([True, True]), torch.ones(2), smoothing=0.1)
    loss.backward()
    assert torch.all(logits.grad[:, 1] == 0)
    assert torch.all(logits.grad[:, [0, 2]] != 0)


def test_three_class_rows_do_train_neutral():
    logits = torch.zeros(1, 3, requires_grad=True)
    sentiment_loss(logits, torch.tensor([1]), torch.tensor([False]), torch.ones(1), smoothing=0.0).backward()
    assert logits.grad[0, 1] < 0


def test_a_model_shy_of_neutral_gets_a_neutral_bias_and_balanced_negatives_keep_theirs():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    logits = np.eye(3)[y] * 1.0 + rng.normal(0, 0.8, (600, 3))
    logits[:, 1] -= 1.0                                   # a model too shy of neutral
    bias = fit_bias(logits, y, np.zeros(600, dtype=bool))
    assert bias[2] == 0 and bias[1] > 0.5 and abs(bias[0]) <= 0.3


def test_a_model_shy_of_negative_on_binary_rows_gets_a_negative_bias():
    rng = np.random.default_rng(1)
    y = rng.choice([0, 2], 600)
    logits = np.eye(3)[y] * 1.5 + rng.normal(0, 0.8, (600, 3))
    logits[:, 0] -= 1.0                                   # negatives under-predicted
    bias = fit_bias(logits, y, np.ones(600, dtype=bool))
    assert bias[0] > 0.5 and bias[2] == 0


def test_a_bias_validation_cannot_tell_from_none_is_not_applied():
    y = np.array([0, 2] * 500)
    logits = np.eye(3)[y] * 3.0
    logits[[0, 2], 2] = 3.05                            # two negatives of 1,000 just short: a 0.1 shift wins 0.2 points
    binary = np.ones(1000, dtype=bool)
    assert fit_bias(logits, y, binary, near_tie=0.0, boots=0).tolist() == pytest.approx([0.1, 0.0, 0.0])   # the best, however slight
    assert fit_bias(logits, y, binary).tolist() == [0.0, 0.0, 0.0]                                # within noise: none


def test_on_validation_sets_where_no_bias_is_truly_better_the_bias_fit_mostly_leaves_none():
    # balanced classes, unbiased logits: whatever bias scores best on 300 rows won by chance; the one-standard-error
    # rule keeps the smallest one within the score's noise, so most of those chance shifts are not applied
    def size(boots: int) -> float:
        total = 0.0
        for seed in range(8):
            rng = np.random.default_rng(seed)
            y = rng.choice(3, 300)
            total += np.abs(fit_bias(np.eye(3)[y] + rng.normal(0, 1.0, (300, 3)), y, np.zeros(300, bool), boots=boots)).sum()
        return total
    assert size(boots=200) <= 0.5 * size(boots=0)


def test_splits_never_change_and_keep_duplicates_together():
    texts = [f"review number {i}" for i in range(3000)]
    first = [split_of(t) for t in texts]
    assert first == [split_of(t) for t in texts]
    assert split_of("Runs  SMALL ") == split_of("runs small")
    shares = {s: first.count(s) / len(first) for s in ("train", "val", "test")}
    assert shares["train"] == pytest.approx(0.8, abs=0.03) and shares["test"] == pytest.approx(0.1, abs=0.02)


def test_dedupe_keeps_the_first_of_each_normalised_text():
    assert dedupe(["A b", "a  B ", "c", "A b"]) == [0, 2]
    assert normalise("  Runs\tSMALL ") == "runs small"
