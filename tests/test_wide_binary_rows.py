"""The wide path's fit: a review from a binary source (labelled negative or positive, never neutral) teaches which of
the two it is, and nothing about neutral."""

from __future__ import annotations

import numpy as np
import torch

from reviewlens.models.classifier import NEU
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune
from tests.test_ngram_model import CFG

GOOD, BAD, SO_SO = [2, 20, 21, 3], [2, 40, 41, 3], [2, 60, 61, 3]     # three-class reviews: praise, complaint, neither
FILM_GOOD, FILM_BAD = [2, 20, 80, 3], [2, 40, 90, 3]                 # a binary source's: "80" and "90" only there


def weights_of(model, token: int) -> torch.Tensor:
    """The wide path's weights (3,) of a one-token n-gram."""
    ids = torch.tensor([[token]])
    return model.wide.weight[model.bag(ids, torch.ones_like(ids))[0, 0]]


def fitted() -> object:
    sequences = [GOOD, BAD, SO_SO] * 20 + [FILM_GOOD, FILM_BAD] * 20
    data = Labelled(sequences, np.array([2, 0, 1] * 20 + [2, 0] * 20), np.array([False] * 60 + [True] * 40),
                    np.zeros((100, 2), np.float32))
    return finetune(data, CFG, FinetuneConfig(epochs=1, max_tokens=512, wide_buckets=1009, wide_only=True), 2, device="cpu")


def test_a_word_only_binary_reviews_use_learns_its_side_and_nothing_about_neutral():
    model = fitted()
    praise, complaint = weights_of(model, 80), weights_of(model, 90)
    assert praise[2] > praise[0] and complaint[0] > complaint[2]
    assert praise[NEU] == 0 and complaint[NEU] == 0


def test_neutral_is_still_learned_from_the_three_class_reviews():
    model = fitted()
    so_so = weights_of(model, 60)
    assert so_so[NEU] > so_so[0] and so_so[NEU] > so_so[2]
