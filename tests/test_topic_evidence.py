"""No evidence, no topic: the topic head names a topic only where the text supports it (its seed words or a polarity
phrase, in the clause for a clause's topics), unless the head is far surer than its threshold; a head that learned
"a clothing review => appearance" would otherwise name appearance in every review of a food or drug store."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.clauses import split_clauses
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.inference import EVIDENCE_ODDS, ReviewModel, topic_bars
from reviewlens.models.taxonomy import PolarityPhrases, SeedLabeller, load_taxonomy, parse_taxonomy
from reviewlens.models.tokenizer import train_tokenizer

TAXONOMY = load_taxonomy()
WORDS = "the coffee tastes rich fabric is soft but it runs small 物流很快 咖啡很香".split()


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer([" ".join(WORDS)] * 20, vocab_size=120, min_frequency=1)


def head_says(tokenizer, p: float | None, threshold: float = 0.5) -> ReviewModel:
    """A model whose topic head gives every topic probability p in every text and clause, calibrated at threshold;
    p None: a random head far from uniform, sure of different topics in a review and in its clauses."""
    cfg = EncoderConfig(vocab_size=tokenizer.get_vocab_size(), d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=32,
                        dropout=0.0)
    torch.manual_seed(0)
    classifier = ReviewClassifier(cfg, len(TAXONOMY.ids)).eval()
    with torch.no_grad():
        if p is None:
            torch.nn.init.normal_(classifier.topics.weight, std=3.0)
        else:
            classifier.topics.weight.zero_()
            classifier.topics.bias.fill_(math.log(p / (1 - p)))
        classifier.topic_threshold.fill_(threshold)
    return ReviewModel(classifier, tokenizer, TAXONOMY, "v")


def clause_topics(scored) -> dict[int, list[str]]:
    """clause number -> the topics its aspects name."""
    out: dict[int, list[str]] = {}
    for a in scored.aspects:
        out.setdefault(a.clause_no, []).append(a.topic)
    return out


def test_a_topic_above_its_threshold_without_evidence_is_not_named(tokenizer):
    scored = head_says(tokenizer, 0.9).score(["The coffee tastes rich", "咖啡很香"])
    assert [s.topics for s in scored] == [[], []]           # every topic at 0.9 against a threshold of 0.5
    assert [s.aspects for s in scored] == [[], []]


def test_a_topic_whose_seed_word_occurs_is_named(tokenizer):
    english, chinese = head_says(tokenizer, 0.9).score(["The fabric tastes rich", "物流很快"])
    assert english.topics == ["material"]                   # "fabric"
    assert chinese.topics == ["delivery"]                   # "物流"
    assert [a.topic for a in english.aspects] == ["material"]


def test_a_clause_names_a_topic_only_where_the_clause_itself_has_the_evidence(tokenizer):
    scored = head_says(tokenizer, 0.9).score(["The fabric is soft but the coffee tastes rich"])[0]
    assert scored.topics == ["material"]
    assert clause_topics(scored) == {0: ["material"]}       # "but the coffee tastes rich" names nothing


def test_a_context_word_names_its_topic_for_the_review_and_the_review_gives_it_its_sentiment(tokenizer):
    taxonomy = parse_taxonomy('[effectiveness]\nen = ["works"]\ncontext = ["coffee"]\n[material]\nen = ["fabric"]\n')
    model = head_says(tokenizer, 0.9)
    model.taxonomy, model.seeds = taxonomy, SeedLabeller(taxonomy)
    model.clause_seeds, model.phrases = SeedLabeller(taxonomy, clauses=True), PolarityPhrases(taxonomy)
    with torch.no_grad():
        model.classifier.topics = torch.nn.Linear(16, 2)            # the two topics, every one at 0.9 as above
        model.classifier.topics.weight.zero_(), model.classifier.topics.bias.fill_(math.log(9))
        model.classifier.topic_threshold = torch.full((2,), 0.5)
    scored = model.score(["The coffee tastes rich but the fabric is soft"])[0]
    assert scored.topics == ["effectiveness", "material"]
    assert clause_topics(scored) == {1: ["material"]}              # the coffee clause names no topic of its own
    assert scored.topic_sentiments()["effectiveness"] == scored.sentiment


def test_a_head_far_surer_than_its_threshold_names_a_topic_without_evidence(tokenizer):
    scored = head_says(tokenizer, 0.9999).score(["The coffee tastes rich"])[0]
    assert scored.topics == TAXONOMY.ids


def test_a_clause_names_a_topic_without_evidence_only_where_its_review_is_sure_of_it_too(tokenizer):
    m, texts = head_says(tokenizer, None), ["The coffee tastes rich but it runs small", "The fabric is soft but the coffee tastes rich"]
    _, without = topic_bars(m.classifier.topic_threshold.numpy())
    _, review_p, _, _, clause_p, *_ = m._predict_in_context(texts, [split_clauses(t) for t in texts])
    owners = [i for i, t in enumerate(texts) for _ in split_clauses(t)]
    assert any(((clause_p[j] >= without) & (review_p[i] < without)).any() for j, i in enumerate(owners))   # it arises
    seeds, phrases = SeedLabeller(TAXONOMY), PolarityPhrases(TAXONOMY)
    for text, scored in zip(texts, m.score(texts)):
        for a in scored.aspects:
            clause = text[a.start:a.end]
            evidence = {TAXONOMY.ids[k] for k in [*seeds.topics_in(clause), *phrases.find(clause)]}
            assert a.topic in evidence or a.topic in scored.topics, (clause, a.topic)


def test_a_topic_one_clause_has_evidence_for_is_not_named_in_another_however_sure_the_head_is(tokenizer):
    scored = head_says(tokenizer, 0.9999).score(["The fabric is soft but it runs small"])[0]
    by_clause = clause_topics(scored)
    assert "material" in by_clause[0] and "material" not in by_clause[1]      # "fabric", "soft"
    assert "size_fit" in by_clause[1] and "size_fit" not in by_clause[0]      # "runs small"
    assert "delivery" in by_clause[0] and "delivery" in by_clause[1]          # no evidence anywhere: the head decides
    assert scored.topic_sentiments()["material"] == by_clause_sentiment(scored, 0, "material")


def by_clause_sentiment(scored, clause_no: int, topic: str) -> str:
    return next(a.sentiment for a in scored.aspects if a.clause_no == clause_no and a.topic == topic)


def test_a_head_far_below_its_threshold_overrules_a_seed_word_but_never_a_polarity_phrase(tokenizer):
    scored = head_says(tokenizer, 0.0001).score(["The fabric is soft but it runs small"])[0]
    assert scored.topics == ["size_fit"]                    # "runs small" names it; "fabric" and "soft" do not suffice
    assert clause_topics(scored) == {1: ["size_fit"]}
    assert scored.topic_sentiments() == {"size_fit": "negative"}


def test_the_bars_are_a_thousand_times_the_odds_of_the_threshold_each_way():
    thresholds = np.array([0.3, 0.5, 0.8], dtype=np.float32)
    with_evidence, without = topic_bars(thresholds)
    odds = lambda p: p / (1 - p)                                            # noqa: E731
    np.testing.assert_allclose(odds(thresholds) / odds(with_evidence), EVIDENCE_ODDS, rtol=1e-5)
    np.testing.assert_allclose(odds(without) / odds(thresholds), EVIDENCE_ODDS, rtol=1e-5)
    assert (without < 1).all() and (with_evidence > 0).all()
