"""Per-topic ("aspect") sentiment: how it is judged (every gold pair, a topic not named counted wrong), clauses that
keep a trailing contrast word, and the taxonomy's polarity phrases that decide what star ratings cannot teach."""

from __future__ import annotations

import numpy as np
import pytest

from reviewlens.flows.training.eval_report import topic_lines
from reviewlens.flows.training.topic_gold import aspect_accuracy
from reviewlens.models.clauses import split_clauses
from reviewlens.models.inference import Aspect, ReviewModel, Scored
from reviewlens.models.taxonomy import PolarityPhrases, TaxonomyError, load_taxonomy, parse_taxonomy

TAXONOMY = load_taxonomy()


def phrases(text: str) -> dict[str, str]:
    return {TAXONOMY.ids[k]: sentiment for k, sentiment in PolarityPhrases(TAXONOMY).find(text).items()}


def clauses(text: str) -> list[str]:
    return [text[s:e] for s, e in split_clauses(text)]


# ---- the metric

def test_every_gold_pair_counts_and_a_topic_the_model_did_not_name_is_wrong():
    gold = [{"size_fit": "negative", "material": "positive", "comfort": "neutral"}]
    figures = aspect_accuracy(gold, [{"size_fit": "negative", "comfort": "neutral", "delivery": "positive"}])
    assert figures["pairs"] == 3                            # neutral counted; the extra topic is not a gold pair
    assert figures["accuracy"] == pytest.approx(2 / 3)      # material was not named: wrong


def test_aspect_accuracy_matches_by_topic_within_each_review_not_by_position():
    gold = [{"size_fit": "negative", "material": "positive"}, {"quality": "negative"}]
    said = [{"material": "positive", "size_fit": "negative"}, {"quality": "negative"}]
    assert aspect_accuracy(gold, said)["accuracy"] == 1.0
    assert aspect_accuracy(gold, [said[1], said[0]])["accuracy"] == 0.0      # another review's topics do not count


def test_negative_recall_is_the_share_of_gold_negative_pairs_found_negative():
    gold = [{"size_fit": "negative"}, {"quality": "negative"}, {"material": "positive"}]
    figures = aspect_accuracy(gold, [{"size_fit": "negative"}, {"quality": "positive"}, {"material": "negative"}])
    assert (figures["negative_pairs"], figures["negative_found"], figures["negative_recall"]) == (2, 1, 0.5)


def test_the_topic_sentiment_is_the_strongest_clause_naming_it_else_the_review_own():
    scored = Scored("positive", np.array([0.1, 0.1, 0.8]), {}, ["appearance", "size_fit", "material"], aspects=[
        Aspect(0, 0, 7, "size_fit", "positive", 0.3), Aspect(1, 9, 26, "size_fit", "negative", -0.9),
        Aspect(0, 0, 7, "material", "neutral", 0.05)])
    assert scored.topic_sentiments() == {"appearance": "positive", "size_fit": "negative", "material": "neutral"}


def test_of_two_equally_strong_clauses_that_disagree_the_topic_takes_the_complaint():
    scored = Scored("positive", np.array([0.1, 0.1, 0.8]), {}, ["taste"], aspects=[
        Aspect(0, 0, 12, "taste", "positive", 1.0), Aspect(1, 14, 26, "taste", "negative", -1.0)])
    assert scored.topic_sentiments() == {"taste": "negative"}


def test_eval_prints_the_aspect_figure_beside_copying_the_review_sentiment():
    entry = {"pairs": 4, "accuracy": 0.75, "negative_pairs": 2, "negative_found": 1, "negative_recall": 0.5}
    topics = {"model": {"n": 3, "micro_f1": 0.8, "macro_f1": 0.7}, "seed_words": {"n": 3, "micro_f1": 0.81, "macro_f1": 0.7},
              "aspects": {"model": {**entry, "per_language": {"en": entry}},
                          "copy_review_sentiment": {**entry, "accuracy": 0.5, "negative_found": 0,
                                                    "per_language": {"en": {**entry, "accuracy": 0.5, "negative_found": 0}}},
                          "copy_onto_model_topics": {**entry, "accuracy": 0.625, "negative_found": 1}}}
    lines = topic_lines(topics)
    assert "micro-F1 model 0.800, seed-word labeller 0.810" in lines[0]
    assert "all 4 gold (topic, sentiment) pairs" in lines[1] and "model 0.750, copy the review's sentiment 0.500" in lines[1]
    assert "negative aspects found: model 1 of 2, copy 0" in lines[1]
    assert "copied onto the topics the model named (what per-topic sentiment adds): 0.625" in lines[2]
    assert lines[3].startswith("  en: model 0.750, copy 0.500")


def test_the_second_copy_baseline_has_the_model_own_topics_so_only_per_topic_sentiment_differs():
    from reviewlens.flows.training.topic_gold import aspect_accuracy

    gold = [{"size_fit": "negative", "material": "positive"}]
    scored = Scored("positive", np.array([0.1, 0.1, 0.8]), {}, ["size_fit"], aspects=[Aspect(0, 0, 7, "size_fit", "negative", -0.9)])
    assert aspect_accuracy(gold, [scored.topic_sentiments()])["accuracy"] == 0.5                 # material missed
    assert aspect_accuracy(gold, [dict.fromkeys(scored.topics, scored.sentiment)])["accuracy"] == 0.0


# ---- clauses

def test_a_trailing_contrast_word_stays_in_its_clause():
    assert clauses("Love it. Runs small though") == ["Love it", "Runs small though"]
    assert clauses("Love it. Runs small, though.") == ["Love it", "Runs small, though"]


def test_a_contrast_word_with_words_after_it_still_starts_a_clause():
    assert clauses("The fabric is lovely but it runs small") == ["The fabric is lovely", "but it runs small"]
    assert clauses("Nice dress, however, it runs small") == ["Nice dress", "however, it runs small"]


# ---- polarity phrases

def test_a_polarity_phrase_names_its_topic_and_its_sentiment():
    assert phrases("Runs small though") == {"size_fit": "negative"}
    assert phrases("尺码偏小，不过很好看") == {"size_fit": "negative", "appearance": "positive"}
    assert phrases("Cheaply made, it fell apart") == {"quality": "negative"}


def test_a_degree_word_between_the_words_of_a_phrase_keeps_it_a_phrase():
    assert phrases("Cute top, although it runs fairly large") == {"size_fit": "negative"}
    assert phrases("It fits really well") == {"size_fit": "positive"}
    assert phrases("It runs and it is large") == {}                 # other words between: not the phrase


def test_a_negated_phrase_turns_over():
    assert phrases("not too tight at all") == {"size_fit": "positive"}
    assert phrases("It isn't very comfortable") == {"comfort": "negative"}
    assert phrases("洗了几次一点也不掉色") == {"quality": "positive"}
    assert phrases("不太合身") == {"size_fit": "negative"}


def test_where_one_text_praises_and_faults_a_topic_the_fault_wins():
    assert phrases("Fits great in the hips but too tight in the chest") == {"size_fit": "negative"}


def test_phrases_match_whole_words_only():
    assert phrases("the sleeves were too smallish") == {}          # "too small" inside a longer word: no match


def test_a_phrase_list_that_is_not_a_list_of_phrases_is_refused():
    with pytest.raises(TaxonomyError, match="negative must be a list of phrases"):
        parse_taxonomy('[size_fit]\nen = ["size"]\nnegative = "runs small"\n')
    assert parse_taxonomy('[size_fit]\nen = ["size"]\nnegative = ["runs small"]\n').topics[0].negative == ("runs small",)


# ---- with a trained model

@pytest.fixture(scope="module")
def model(trained_home) -> ReviewModel:
    settings, summary = trained_home
    return ReviewModel.load(summary.folder)


@pytest.mark.slow
def test_love_it_runs_small_though_is_size_fit_negative(model):
    scored = model.score(["Love it. Runs small though"])[0]
    assert "size_fit" in scored.topics
    assert scored.topic_sentiments()["size_fit"] == "negative"
    assert [(a.start, a.end) for a in scored.aspects if a.topic == "size_fit"] == [(9, 26)]   # "Runs small though"


@pytest.mark.slow
def test_the_fabric_is_lovely_but_it_runs_small(model):
    scored = model.score(["The fabric is lovely but it runs small"])[0]
    said = scored.topic_sentiments()
    assert said["size_fit"] == "negative"
    assert said.get("material") == "positive"
