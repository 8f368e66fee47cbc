"""Aspect sentiment in context: a review is encoded once and each clause is scored from the review's own token
states; the review's own scores are what they were, and a clause the window's cut touches is encoded on its own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reviewlens.models.classifier import NEG, POS
from reviewlens.models.clause_tokens import encode_with_clauses
from reviewlens.models.clauses import split_clauses
from reviewlens.models.encoder import Encoder
from reviewlens.models.inference import ReviewModel, ScoringOptions, reads_clauses_in_context
from reviewlens.models.tokenizer import encode
from tests.helpers import SCORING_WORDS, trained_looking_parts

WORDS = SCORING_WORDS
MAX_LEN = 40
REVIEWS = ["The fabric is lovely but it runs small", "Love it. Runs small though", "质量很好，物流太慢",
           "lovely", "", "the colour fades after one wash. it runs small. the fabric is lovely!"]
# 67 tokens, past the 40-token window: its head and tail keep 19 each, three clauses from the head, one from the tail
LONG = "the fabric is lovely. it runs small and the colour fades. " + ". ".join(["colour fades"] * 10) + \
       ". the fabric is lovely after one wash. " + " ".join(["one wash"] * 6)


@pytest.fixture(scope="module")
def parts():
    return trained_looking_parts(MAX_LEN, every_topic=True)


def model(parts, **options) -> ReviewModel:
    return ReviewModel(*parts, "v", ScoringOptions(**options))


def clause_scores(scored) -> dict[tuple[int, int], float]:
    """(start, end) of each clause -> its model score (topics whose polarity phrase decided are left out)."""
    return {(a.start, a.end): a.score for a in scored.aspects if abs(a.score) != 1.0}


def test_the_review_own_scores_are_those_of_the_review_alone(parts):
    m = model(parts)
    logits, topic_probs, pooled = m.predict(REVIEWS + [LONG])
    with torch.inference_mode():
        probs = m.classifier.calibrated(torch.from_numpy(logits)).numpy()
    for i, scored in enumerate(m.score(REVIEWS + [LONG])):
        np.testing.assert_array_equal(scored.probs, probs[i])               # the same numbers, not just close
        np.testing.assert_array_equal(list(scored.topic_scores.values()), topic_probs[i])
        np.testing.assert_array_equal(scored.embedding, pooled[i])


def test_a_clause_is_scored_from_the_mean_of_its_tokens_states_in_its_review(parts):
    m, text = model(parts), REVIEWS[0]
    (ids,), ((first, second),) = encode_with_clauses(m.tokenizer, [text], [split_clauses(text)], MAX_LEN)
    ids = torch.tensor([ids])                                               # (1, T)
    with torch.inference_mode():
        hidden = m.classifier.encoder(ids, torch.ones_like(ids))           # (1, T, C)
        for (a, b), (s, e) in zip((first, second), split_clauses(text)):
            mask = torch.zeros_like(ids)
            mask[0, a:b] = 1
            logits = m.classifier.sentiment_logits(Encoder.pool(hidden, mask), ids, mask)
            probs = m.classifier.calibrated(logits)[0]
            expected = float(probs[POS] - probs[NEG])
            assert clause_scores(m.score([text])[0])[(s, e)] == pytest.approx(expected, abs=1e-6)


def test_the_same_clause_reads_differently_in_another_review(parts):
    m = model(parts)
    a, b = m.score(["The fabric is lovely but it runs small", "The fabric is lovely but it fades after one wash"])
    assert clause_scores(a)[(0, 20)] != pytest.approx(clause_scores(b)[(0, 20)], abs=1e-4)   # context reaches it


def test_a_clause_tokens_in_its_review_are_its_tokens_as_a_text_of_its_own(parts):
    tokenizer = parts[1]
    texts = REVIEWS + [LONG, "x" * 5_000 + ". the fabric is lovely"]       # the last one is clipped by characters
    spans = [split_clauses(t) for t in texts]
    sequences, token_spans = encode_with_clauses(tokenizer, texts, spans, MAX_LEN)
    assert sequences == encode(tokenizer, texts, MAX_LEN)                  # the very ids the review alone gets
    inside = 0
    for text, ids, text_spans, tokens in zip(texts, sequences, spans, token_spans):
        for (s, e), span in zip(text_spans, tokens):
            if span is not None:
                assert ids[span[0]:span[1]] == encode(tokenizer, [text[s:e]], MAX_LEN)[0][1:-1]
                inside += 1
    assert inside == sum(map(len, spans)) - 11                              # all but LONG's 10 middle ones and the x's


def test_clauses_the_window_cut_touches_are_encoded_on_their_own(parts):
    m = model(parts)
    spans = split_clauses(LONG)
    _, (tokens,) = encode_with_clauses(m.tokenizer, [LONG], [spans], MAX_LEN)
    assert [t is None for t in tokens] == [False] * 3 + [True] * 10 + [False]   # the middle ones, wholly or partly cut
    cut = [span for span, t in zip(spans, tokens) if t is None]
    alone = m.score([LONG[s:e] for s, e in cut])
    said = clause_scores(m.score([LONG])[0])
    assert [said[span] for span in cut] == pytest.approx([x.score for x in alone], abs=1e-6)
    assert said[spans[-1]] != pytest.approx(m.score([LONG[slice(*spans[-1])]])[0].score, abs=1e-4)   # in context


# int8 kernels round differently from one CPU to the next (a clause pools few tokens, so it shows more): the
# largest clause difference was 0.012 on one machine and 0.021 on another; a clause read at the wrong precision,
# or not at all, moves by far more.
@pytest.mark.parametrize("precision, atol", [("bf16", 0.02), ("int8", 0.04)])
def test_clauses_go_through_the_scoring_precision_and_stay_within_rounding_of_fp32(parts, precision, atol):
    fp32 = [clause_scores(s) for s in model(parts).score(REVIEWS + [LONG])]
    lower = [clause_scores(s) for s in model(parts, precision=precision, prefetch_texts=2).score(REVIEWS + [LONG])]
    assert [x.keys() for x in lower] == [x.keys() for x in fp32]
    flat_fp32 = [v for x in fp32 for v in x.values()]
    flat_lower = [v for x in lower for v in x.values()]
    assert flat_lower == pytest.approx(flat_fp32, abs=atol)
    assert flat_lower != flat_fp32                                           # the lower precision did run


def test_aspects_keep_their_clause_number_span_and_input_order(parts):
    m = model(parts)
    forward = m.score(REVIEWS, max_tokens=4_096)
    backward = m.score(REVIEWS[::-1], max_tokens=64)[::-1]
    for a, b, text in zip(forward, backward, REVIEWS):
        assert [(x.clause_no, x.start, x.end, x.topic, x.sentiment) for x in a.aspects] == \
               [(x.clause_no, x.start, x.end, x.topic, x.sentiment) for x in b.aspects]
        clauses = {(n, s, e) for n, (s, e) in enumerate(split_clauses(text))}     # every topic is named in each one
        assert {(x.clause_no, x.start, x.end) for x in a.aspects} == clauses


def test_a_checkpoint_reads_clauses_as_it_was_trained_to():
    assert reads_clauses_in_context({"finetune": {"clause_weight": 0.0}})                  # never trained clauses
    assert not reads_clauses_in_context({"finetune": {"clause_weight": 0.5}})              # trained on clauses alone
    assert reads_clauses_in_context({"finetune": {"clause_weight": 0.5}, "clause_states": "review"})
    assert not reads_clauses_in_context({"clause_states": "own"})


def test_a_model_that_reads_clauses_alone_scores_each_clause_as_a_text_of_its_own(parts):
    m = ReviewModel(*parts, "v", clauses_in_context=False)
    text = REVIEWS[0]
    said = clause_scores(m.score([text])[0])
    assert [said[span] for span in split_clauses(text)] == pytest.approx(
        [x.score for x in m.score([text[s:e] for s, e in split_clauses(text)])], abs=1e-6)
