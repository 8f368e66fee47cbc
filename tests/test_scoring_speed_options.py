"""How scoring runs (precision, tokenising ahead, batching) never changes what it returns beyond rounding:
fp32 results are the same whatever the chunking and batching, bf16 and int8 stay within rounding of fp32."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from reviewlens.models.batching import least_padding_batches, pad, token_budget_batches
from reviewlens.models.inference import ReviewModel, ScoringOptions
from reviewlens.models.precision import native_bf16, resolve_precision
from tests.helpers import SCORING_WORDS, trained_looking_parts

WORDS = SCORING_WORDS


@pytest.fixture(scope="module")
def parts():
    return trained_looking_parts()


def texts(n: int = 60) -> list[str]:
    rng = random.Random(0)
    return [". ".join(" ".join(rng.choices(WORDS, k=rng.randint(1, 12))) for _ in range(rng.randint(1, 4))) for _ in range(n)]


def model(parts, **options) -> ReviewModel:
    return ReviewModel(*parts, "v", ScoringOptions(**options))


def assert_same(a, b, atol: float) -> None:
    """Probabilities and topic scores within atol (aspects follow from them, but a topic at its threshold can flip)."""
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.probs, y.probs, atol=atol)
        np.testing.assert_allclose(list(x.topic_scores.values()), list(y.topic_scores.values()), atol=atol)


def test_fp32_results_do_not_depend_on_chunks_or_batches(parts):
    whole = model(parts, precision="fp32", prefetch_texts=0).score(texts(), max_tokens=8_192)
    chunked = model(parts, precision="fp32", prefetch_texts=7).score(texts(), max_tokens=256)  # many small batches
    assert_same(whole, chunked, atol=1e-5)
    for a, b in zip(whole, chunked):
        assert a.sentiment == b.sentiment and a.topics == b.topics
        assert [(s.clause_no, s.start, s.end) for s in a.aspects] == [(s.clause_no, s.start, s.end) for s in b.aspects]
        assert [(s.topic, s.sentiment) for s in a.aspects] == [(s.topic, s.sentiment) for s in b.aspects]
        np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-5)


# int8 kernels round differently from one CPU to the next (the clause scores of test_inference_in_context moved by
# up to 0.012 on one machine, 0.021 on another): the bound leaves room for that, not for a wrong precision.
@pytest.mark.parametrize("precision, atol", [("bf16", 0.02), ("int8", 0.04)])
def test_a_lower_precision_stays_within_rounding_of_fp32(parts, precision, atol):
    fp32 = model(parts, precision="fp32").score(texts())
    lower = model(parts, precision=precision, prefetch_texts=7)
    assert_same(lower.score(texts()), fp32, atol=atol)
    assert_same(lower.score(texts(), max_tokens=1_024), lower.score(texts()), atol=atol)     # and across batchings


def test_a_lower_precision_copies_only_the_encoder_blocks(parts):
    classifier = parts[0]
    scoring = model(parts, precision="bf16")
    assert scoring.scorer is not classifier
    assert scoring.scorer.encoder.ngram.weight is classifier.encoder.ngram.weight        # shared, not copied
    assert scoring.scorer.wide.weight is classifier.wide.weight
    assert classifier.encoder.blocks[0].attn.qkv.weight.dtype == torch.float32            # the model itself is untouched
    assert model(parts, precision="fp32").scorer is classifier


def test_auto_precision_is_bf16_only_where_the_cpu_has_it():
    assert resolve_precision("auto", torch.device("cpu")) == ("bf16" if native_bf16() else "fp32")
    assert resolve_precision("int8", torch.device("cpu")) == "int8"
    with pytest.raises(ValueError, match="fp32, bf16, int8"):
        resolve_precision("fp16", torch.device("cpu"))


def test_least_padding_batches_cover_every_sequence_once_within_the_budget_and_pad_less_than_greedy():
    rng = random.Random(1)
    lengths = [min(128, max(3, int(rng.lognormvariate(3.8, 0.7)))) for _ in range(3_000)]
    batches = least_padding_batches(lengths, 4_096)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) * max(lengths[i] for i in b) <= 4_096 for b in batches)

    def padding(bs):
        return sum(len(b) * max(lengths[i] for i in b) for b in bs) - sum(lengths)
    assert padding(batches) < padding(token_budget_batches(lengths, 4_096))


def test_pad_puts_each_sequence_in_its_row_and_masks_the_rest():
    ids, mask = pad([[2, 5, 3], [2, 3], [2, 7, 8, 9, 3]])
    assert ids.tolist() == [[2, 5, 3, 0, 0], [2, 3, 0, 0, 0], [2, 7, 8, 9, 3]]
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]
    assert ids.dtype == mask.dtype == torch.long
