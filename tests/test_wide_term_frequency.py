"""The wide path weighs an n-gram by 1 + log of how often its text says it, as the TF-IDF baseline does, and a model
saved before that keeps the raw counts it was fitted with."""

from __future__ import annotations

import math

import torch

from reviewlens.models.checkpoint import load_state, load_tensors, save_tensors
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.encoder import EncoderConfig

BUCKETS, ORDERS = 4_096, (1,)


def built() -> ReviewClassifier:
    """A classifier as a checkpoint's config builds it, before its tensors load."""
    torch.manual_seed(0)
    return ReviewClassifier(EncoderConfig(vocab_size=32, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=16),
                            n_topics=2, wide_buckets=BUCKETS, wide_orders=ORDERS).eval()


def wide_model(sublinear: bool) -> ReviewClassifier:
    model = built()
    with torch.no_grad():
        model.wide_sublinear.fill_(float(sublinear))               # as training sets it (FinetuneConfig.wide_sublinear)
    return model


def weight_per_ngram(model: ReviewClassifier, ids: list[int]) -> dict[int, float]:
    """Each distinct n-gram's summed input weight in the text."""
    row = torch.tensor([ids])
    bag = model.bag(row, torch.ones_like(row))
    weights = model.wide_weights(bag)[0]
    out: dict[int, float] = {}
    for bucket, w in zip(bag[0].tolist(), weights.tolist()):
        if bucket:
            out[bucket] = out.get(bucket, 0.0) + w
    return out


def test_a_word_said_five_times_weighs_one_plus_log_five_times_a_word_said_once():
    weights = weight_per_ngram(wide_model(sublinear=True), [10, 10, 10, 10, 10, 11])     # "pain" x5, "great"
    said_five, said_once = sorted(weights.values(), reverse=True)
    assert math.isclose(said_five / said_once, 1 + math.log(5), rel_tol=1e-5)


def test_a_texts_distinct_ngrams_form_a_unit_vector():
    weights = weight_per_ngram(wide_model(sublinear=True), [10, 10, 10, 11, 12, 12])
    assert math.isclose(sum(w * w for w in weights.values()), 1.0, rel_tol=1e-5)


def test_with_raw_counts_the_repeated_word_weighs_five_times_as_much():
    weights = weight_per_ngram(wide_model(sublinear=False), [10, 10, 10, 10, 10, 11])
    said_five, said_once = sorted(weights.values(), reverse=True)
    assert math.isclose(said_five / said_once, 5.0, rel_tol=1e-5)


def test_a_checkpoint_saved_before_sublinear_counts_loads_with_raw_counts(tmp_path):
    saved = wide_model(sublinear=False)
    before = {k: v for k, v in saved.state_dict().items() if k != "wide_sublinear"}
    save_tensors(before, tmp_path / "model.safetensors")
    loaded = built()
    load_state(loaded, load_tensors(tmp_path / "model.safetensors"), tmp_path / "model.safetensors")
    assert loaded.wide_sublinear.item() == 0.0
    assert weight_per_ngram(loaded, [10, 10, 11]) == weight_per_ngram(saved, [10, 10, 11])
