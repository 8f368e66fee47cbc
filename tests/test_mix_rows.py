"""Who sets the deep part's vote on review sentiment: a store's own labelled validation rows where it has enough,
else nobody (the base corpora's rows do not speak for a store of another vertical)."""

from __future__ import annotations

import numpy as np
import pytest

from reviewlens.models.calibration import calibrate
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune
from tests.test_ngram_model import CFG

GOOD, BAD = [2, 20, 21, 3], [2, 40, 41, 3]


def rows(n: int, base: bool | None) -> Labelled:
    """n validation rows, half praise and half complaint, all from the base corpora or all the store's own."""
    return Labelled([GOOD, BAD] * (n // 2), np.array([2, 0] * (n // 2)), np.zeros(n, bool),
                    np.zeros((n, 2), np.float32), base=None if base is None else np.full(n, base))


@pytest.fixture(scope="module")
def model():
    return finetune(rows(80, None), CFG, FinetuneConfig(epochs=2, max_tokens=512, wide_buckets=1009), 2, device="cpu")


def test_a_store_whose_validation_rows_are_the_base_corpora_gets_no_deep_vote(model):
    calibrate(model, rows(400, base=True))
    assert model.mix[0] == 0.0 and model.mix[1] > 0


def test_a_store_with_enough_labelled_rows_of_its_own_lets_them_weigh_the_deep_part(model):
    model.mix.fill_(1.0)
    calibrate(model, rows(400, base=False))
    assert model.mix[0] > 0 and model.mix[1] > 0


def test_train_says_which_rows_decided_review_sentiment():
    from reviewlens.flows.training.flow import sentiment_decided_on

    assert sentiment_decided_on(rows(400, base=False), 0.21) == (
        "review sentiment: mix, bias and temperature fitted on the store's own 400 labelled validation reviews "
        "(the encoder's vote 0.21)")
    said = sentiment_decided_on(rows(400, base=True), 0.0)
    assert said.startswith("review sentiment: the store has 0 labelled validation reviews of its own, too few")
    assert "it takes 200, with 10 and 5% of each class" in said
