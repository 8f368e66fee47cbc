"""The n-gram-aware classifier: hashed n-grams, the wide path, multiple-instance clause sentiment, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reviewlens.models.batching import pad
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune
from reviewlens.models.predict import predict_logits
from reviewlens.models.inference import ReviewModel
from reviewlens.models.ngrams import hashed_ngrams
from reviewlens.models.taxonomy import load_taxonomy
from reviewlens.models.tokenizer import train_tokenizer

CFG = EncoderConfig(vocab_size=300, d_model=32, n_layers=1, n_heads=4, d_ff=64, max_len=40, dropout=0.0, ngram_buckets=997)


def sequences(n: int, seed: int = 0) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(4, 30, (n,), generator=g).tolist()
    return [[2, *torch.randint(5, CFG.vocab_size, (L - 2,), generator=g).tolist(), 3] for L in lengths]


def test_an_ngram_hashes_by_its_tokens_not_by_where_it_stands():
    ids, mask = pad([[2, 10, 11, 3], [2, 9, 9, 10, 11, 3]])
    buckets = hashed_ngrams(ids, mask, 2, 997)
    assert buckets[0, 2] == buckets[1, 4]                 # "10 11" in both texts
    assert buckets[0, 0] == 0 and (buckets[0, 4:] == 0).all()   # before the text and in padding: no n-gram


def test_padding_never_changes_a_reviews_logits():
    torch.manual_seed(0)
    model = ReviewClassifier(CFG, n_topics=4, wide_buckets=1009).eval()
    torch.nn.init.normal_(model.wide.weight)        # a trained wide path, not the zero it starts at
    short, long = sequences(1, seed=1)[0][:7], sequences(1, seed=2)[0] + [8] * 12
    with torch.no_grad():
        alone = model(*pad([short]))
        batched = model(*pad([long, short]))
    for a, b in zip(alone, batched):
        torch.testing.assert_close(b[1], a[0], atol=1e-5, rtol=0)


def test_a_review_with_one_clause_gets_that_clauses_sentiment():
    model = ReviewClassifier(CFG, n_topics=2)
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 0.0, 3.0], [2.0, 0.0, 0.0]])
    pooled = torch.randn(3, CFG.d_model)
    mixed = model.mil_logits(logits, pooled, torch.tensor([0, 1, 1]), 2)
    torch.testing.assert_close(mixed[0], logits[0])
    w = torch.softmax(model.clause_attention(pooled[1:]).squeeze(-1), 0)   # review 1 mixes its two clauses
    torch.testing.assert_close(mixed[1], w[0] * logits[1] + w[1] * logits[2])


def test_the_wide_path_is_a_logistic_regression_that_separates_what_its_ngrams_separate():
    good, bad = [2, 20, 21, 3], [2, 40, 41, 3]
    seqs = [good, bad] * 40
    data = Labelled(seqs, np.array([2, 0] * 40), np.zeros(80, bool), np.zeros((80, 2), np.float32))
    model = finetune(data, CFG, FinetuneConfig(epochs=1, max_tokens=512, wide_buckets=1009, wide_only=True), 2, device="cpu")
    assert model.mix.tolist() == [0.0, 1.0]                # the ablation: deep logits weigh nothing
    logits, _, _ = predict_logits(model, [good, bad])
    assert logits[0].argmax() == 2 and logits[1].argmax() == 0
    assert logits[0, 1] < -100                             # neutral was never a label: never predicted
    with torch.no_grad():
        model.encoder.tok.weight.add_(1.0)                 # the encoder changes, the ablation's sentiment does not
    np.testing.assert_allclose(predict_logits(model, [good, bad])[0], logits, atol=1e-5)


def test_clauses_learn_the_sentiment_their_reviews_disagree_on():
    """Reviews "A" are positive, reviews "B" negative, and "A B" (two clauses) is labelled by its second
    clause: trained by multiple-instance learning, clause "B" alone comes out negative, "A" positive."""
    A, B = [2, 20, 21, 3], [2, 40, 41, 3]
    reviews, labels, clauses, owner = [], [], [], []
    for i in range(120):
        kind = i % 3
        if kind == 0:
            reviews.append(A), labels.append(2)
        elif kind == 1:
            reviews.append(B), labels.append(0)
        else:
            reviews.append([2, 20, 21, 40, 41, 3]), labels.append(0)
            clauses += [A, B]
            owner += [len(reviews) - 1] * 2
    n = len(reviews)
    data = Labelled(reviews, np.array(labels), np.zeros(n, bool), np.zeros((n, 1), np.float32),
                    clauses, np.array(owner), np.zeros((len(clauses), 1), np.float32))
    model = finetune(data, CFG, FinetuneConfig(epochs=20, max_tokens=256, lr=3e-3, clause_weight=1.0), 1, device="cpu")
    logits, _, _ = predict_logits(model, [A, B])
    assert logits[0].argmax() == 2 and logits[1].argmax() == 0


def test_a_wide_and_ngram_checkpoint_loads_to_the_same_scores(tmp_path):
    taxonomy = load_taxonomy()
    tokenizer = train_tokenizer(["fabric fits well", "质量很好", "runs small"] * 10, vocab_size=120, min_frequency=1)
    cfg = EncoderConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=1, n_heads=4, d_ff=64, max_len=40,
                        ngram_buckets=997)
    torch.manual_seed(0)
    classifier = ReviewClassifier(cfg, len(taxonomy.ids), wide_buckets=1009)
    torch.nn.init.normal_(classifier.wide.weight)
    model = ReviewModel(classifier, tokenizer, taxonomy, "v")
    folder = model.save(tmp_path / "v", {"preset": "test"}, {})
    again = ReviewModel.load(folder)
    texts = ["The fabric is lovely but it runs small", "质量很好，物流太慢"]
    for a, b in zip(model.score(texts), again.score(texts)):
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-6)
        assert a.topics == b.topics and [x.topic for x in a.aspects] == [x.topic for x in b.aspects]


@pytest.mark.parametrize("orders", [(2,), (2, 3)])
def test_ngram_embeddings_take_part_in_the_encoding(orders):
    from dataclasses import replace
    from reviewlens.models.encoder import Encoder
    torch.manual_seed(0)
    encoder = Encoder(replace(CFG, ngram_orders=orders)).eval()
    ids, mask = pad([[2, 10, 11, 12, 3]])
    with torch.no_grad():
        before = encoder(ids, mask)
        encoder.ngram.weight.add_(1.0)
        after = encoder(ids, mask)
    assert not torch.allclose(before, after)


def wide_weight_of(model: ReviewClassifier, token: int) -> torch.Tensor:
    """The wide path's positive-minus-negative weight of a one-token n-gram."""
    ids = torch.tensor([[token]])
    bucket = model.bag(ids, torch.ones_like(ids))[0, 0]
    return model.wide.weight[bucket, 2] - model.wide.weight[bucket, 0]


def test_an_ngram_of_a_single_training_text_gets_no_weight_with_min_df_two():
    good, bad, once = [2, 20, 21, 3], [2, 40, 41, 3], [2, 20, 77, 3]           # 77 occurs in one text
    data = Labelled([good, bad] * 20 + [once], np.array([2, 0] * 20 + [2]), np.zeros(41, bool), np.zeros((41, 2), np.float32))
    model = finetune(data, CFG, FinetuneConfig(epochs=1, max_tokens=512, wide_buckets=1009, wide_only=True, wide_min_df=2), 2,
                     device="cpu")
    assert wide_weight_of(model, 77) == 0 and wide_weight_of(model, 20) > 0
    ids = torch.tensor([[77]])
    assert model.coverage(model.bag(ids, torch.ones_like(ids))).item() == 0.0     # and it counts as unseen


def test_the_mix_weighs_the_part_that_predicts_held_out_labels():
    from reviewlens.models.calibration import fit_mix
    rng = np.random.default_rng(0)
    y = rng.choice([0, 2], 500)
    informative = np.eye(3)[y] * 2.0 + rng.normal(0, 0.5, (500, 3))
    noise = rng.normal(0, 2.0, (500, 3))
    (deep_weight, wide_weight), _ = fit_mix(noise, informative, y, np.ones(500, bool))
    assert wide_weight > 1.0 and deep_weight < 0.2


@pytest.mark.parametrize("seed", range(8))
def test_the_mix_fit_ends_no_worse_than_leaving_the_lexicon_out(seed):
    from reviewlens.models.calibration import fit_mix, masked_log_softmax
    rng = np.random.default_rng(seed)
    y = rng.choice([0, 1, 2], 2_000, p=[0.3, 0.1, 0.6])
    binary = rng.random(2_000) < 0.45
    y = np.where(binary & (y == 1), 2, y)
    deep, wide = (np.eye(3)[y] * rng.uniform(0.5, 3) + rng.normal(0, rng.uniform(0.5, 3), (2_000, 3)) for _ in range(2))
    valence = np.clip((y - 1) + 1.6 + rng.normal(0, 1.5, 2_000), -4, 4)        # skewed positive, as real lexicons are

    def loss(mix, per_unit):
        z = torch.tensor(mix[0] * deep + mix[1] * wide + valence[:, None] * per_unit, dtype=torch.float32)
        return float(torch.nn.functional.nll_loss(masked_log_softmax(z, torch.tensor(binary)), torch.tensor(y)))

    assert loss(*fit_mix(deep, wide, y, binary, valence)) <= loss(*fit_mix(deep, wide, y, binary)) + 1e-3


def test_the_lexicon_only_moves_belief_between_negative_and_positive_even_where_negative_words_mark_neutral_reviews():
    from reviewlens.models.calibration import fit_mix
    rng = np.random.default_rng(0)
    y = rng.choice([0, 1, 2], 900)
    valence = np.where(y == 2, 2.0, -2.0) + rng.normal(0, 1.0, 900)        # negative words in negative and neutral reviews
    parts = np.zeros((900, 3))
    _, per_unit = fit_mix(parts, parts, y, np.zeros(900, bool), valence)
    assert per_unit[1] == 0 and per_unit[0] == pytest.approx(-per_unit[2])
    assert per_unit[2] > 0.1


@pytest.mark.parametrize("clause_weight", [0.0, 0.5])
def test_reviews_without_a_sentiment_label_teach_the_topic_head_and_leave_the_encoder_as_it_was(clause_weight):
    seqs = sequences(40, seed=3)
    topics = np.zeros((40, 2), np.float32)
    topics[::2, 0] = 1.0
    clauses = [s[: len(s) // 2 + 1] for s in seqs]                     # one clause per review, with its topics
    def data(sentiment):
        return Labelled(seqs, sentiment, np.zeros(40, bool), topics, clauses, np.arange(40), topics.copy())
    torch.manual_seed(0)                                   # finetune seeds the same way: the same initial weights
    before = {k: v.clone() for k, v in ReviewClassifier(CFG, 2).state_dict().items()}
    quiet = FinetuneConfig(epochs=3, max_tokens=512, lr=3e-3, clause_weight=clause_weight, weight_decay=0.0)   # only gradients move
    after = finetune(data(np.full(40, -1)), CFG, quiet, 2, device="cpu").state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("encoder."))
    assert not torch.equal(before["topics.weight"], after["topics.weight"])
    moved = finetune(data(np.array([0, 2] * 20)), CFG, quiet, 2, device="cpu")    # labelled rows do move it
    assert not all(torch.equal(before[k], moved.state_dict()[k]) for k in before if k.startswith("encoder."))
