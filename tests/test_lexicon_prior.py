"""The wide path speaks in proportion to the n-grams it has seen, and a sentiment lexicon speaks where it has not."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reviewlens.models.classifier import NEG, POS, ReviewClassifier
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune
from reviewlens.models.lexicon import NEGATION_SCALE, entry_ids, lexicon_table, negation_scope

BUCKETS, ORDERS = 4_096, (1, 2, 3)
VOCAB = {"good": 10, "broken": 11, "not": 12, "dress": 13, "charger": 14, "cable": 15, "fit": 16, "but": 17, "very": 18,
         "although": 19, ",": 20, ".": 21, "不": 22, "过": 23, "好": 24}


def spell(words: list[str]) -> list[list[int]]:
    """Token ids of each word: English by spaces, Chinese by character; 1 ([UNK]) for anything else."""
    return [[VOCAB.get(w, 1) for w in (word.split() if word.isascii() else list(word))] for word in words]


def model_with_wide(seen: list[int], intercept: list[float]) -> ReviewClassifier:
    torch.manual_seed(0)
    model = ReviewClassifier(EncoderConfig(vocab_size=32, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=16),
                             n_topics=2, wide_buckets=BUCKETS, wide_orders=ORDERS).eval()
    with torch.no_grad():
        ids = torch.tensor([seen])
        for bucket in model.bag(ids, torch.ones_like(ids))[0]:
            model.wide.weight[bucket] = torch.tensor([0.5, 0.0, -0.5])
        model.wide_intercept.copy_(torch.tensor(intercept))
        model.coverage_gate.fill_(1.0)
    return model


def sentiment_logits(model: ReviewClassifier, ids: list[int]) -> torch.Tensor:
    row = torch.tensor([ids])
    with torch.no_grad():
        return model(row, torch.ones_like(row))[0][0]


def test_text_of_unseen_ngrams_gets_nothing_from_the_wide_path_not_even_its_intercept():
    model = model_with_wide(seen=[13, 16], intercept=[3.0, 0.0, -3.0])     # trained on dresses; leans negative
    unfamiliar = [14, 15]                                                  # "charger cable"
    with_wide = sentiment_logits(model, unfamiliar)
    model.use_wide = False
    assert torch.allclose(with_wide, sentiment_logits(model, unfamiliar), atol=1e-6)


def test_familiar_text_keeps_the_wide_path_and_with_the_gate_off_unfamiliar_text_gets_the_intercept_again():
    model = model_with_wide(seen=[13, 16], intercept=[3.0, 0.0, -3.0])
    model.use_wide = False
    deep = {ids: sentiment_logits(model, list(ids)) for ids in ((13, 16), (14, 15))}
    model.use_wide = True
    assert (sentiment_logits(model, [13, 16]) - deep[(13, 16)])[NEG] > 2.5          # weights and intercept count
    model.coverage_gate.fill_(0.0)                                                   # a checkpoint from before the gate
    assert torch.allclose(sentiment_logits(model, [14, 15]) - deep[(14, 15)], torch.tensor([3.0, 0.0, -3.0]), atol=1e-5)


def lexicon_model() -> ReviewClassifier:
    model = model_with_wide(seen=[], intercept=[0.0, 0.0, 0.0])
    model.set_lexicon(*lexicon_table(entry_ids({"good": 0.5, "broken": -0.6, "好": 0.5}, spell), ORDERS))
    return model


def score(model: ReviewClassifier, text: str) -> float:
    ids = spell([text])[0]
    return model.lexicon_score(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long)).item()


def test_a_lexicon_entry_scores_where_it_occurs():
    model = lexicon_model()
    assert score(model, "charger broken") == pytest.approx(-0.6)
    assert score(model, "dress good") == pytest.approx(0.5)
    assert score(model, "very good") == pytest.approx(0.5 * 1.3)                       # a booster strengthens


def test_a_negator_turns_an_entry_a_few_words_on_but_never_past_the_clause():
    model = lexicon_model()
    assert score(model, "not good") == pytest.approx(0.5 * NEGATION_SCALE)
    assert score(model, "not dress fit good") == pytest.approx(0.5 * NEGATION_SCALE)   # "isn't a dress that fits well"
    assert score(model, "not dress , good") == pytest.approx(0.5)                      # the comma ends its reach
    assert score(model, "不好") == pytest.approx(0.5 * NEGATION_SCALE)


def test_after_but_counts_more_and_before_it_less_and_an_although_clause_counts_less():
    model = lexicon_model()
    assert score(model, "good but broken") == pytest.approx(0.5 * 0.5 - 0.6 * 1.5)     # negative on balance
    assert score(model, "broken but good") == pytest.approx(-0.6 * 0.5 + 0.5 * 1.5)    # positive on balance
    assert score(model, "although broken , good") == pytest.approx(-0.6 * 0.5 + 0.5 * 1.5)
    assert score(model, "good . broken but good") == pytest.approx(0.5 - 0.6 * 0.5 + 0.5 * 1.5)   # one sentence only


def test_a_negator_inside_a_longer_role_word_is_no_negator():
    model = lexicon_model()
    assert score(model, "不过好") == pytest.approx(0.5 * 1.5)                          # 不过 is "but", not "not"


def negated_words(text: str) -> list[str]:
    """The words of a text a negator of the lexicon reaches."""
    model, row = lexicon_model(), torch.tensor(spell([text]))
    scope = negation_scope(row, torch.ones_like(row), model.lexicon_keys, model.lexicon_values, ORDERS)[0].tolist()
    return [w for w, negated in zip(text.split() if text.isascii() else list(text), scope) if negated]


def test_a_negator_reaches_the_words_after_it_in_its_clause_up_to_a_contrast():
    assert negated_words("not dress fit good") == ["dress", "fit", "good"]
    assert negated_words("not dress , good") == ["dress"]
    assert negated_words("not dress but good") == ["dress"]
    assert negated_words("不好") == ["好"]
    assert negated_words("不过好") == []                                            # 不过 is "but", not "not"
    assert negated_words("good dress") == []


def praise_for_good(negation_marks: bool) -> float:
    """The positive-minus-negative weight a wide path fitted with or without negation marks gives "good" alone."""
    texts = ["dress good"] * 20 + ["not good dress"] * 40 + ["dress broken"] * 20 + ["very good fit"] * 10
    labels = [POS] * 20 + [NEG] * 40 + [NEG] * 20 + [POS] * 10
    data = Labelled(spell(texts), np.array(labels), np.zeros(len(texts), bool), np.zeros((len(texts), 2), np.float32))
    cfg = FinetuneConfig(wide_buckets=BUCKETS, wide_orders=ORDERS, wide_only=True, wide_negation=negation_marks)
    model = finetune(data, EncoderConfig(vocab_size=32, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=16), cfg,
                     n_topics=2, device="cpu", lexicon=lexicon_table(entry_ids({"broken": -0.6}, spell), ORDERS))
    good = model.bag(torch.tensor([[10]]), torch.ones(1, 1, dtype=torch.long))[0, 0]
    return (model.wide.weight[good, POS] - model.wide.weight[good, NEG]).item()


def test_with_negation_marks_complaints_that_say_not_good_no_longer_weigh_against_good():
    assert praise_for_good(negation_marks=True) > praise_for_good(negation_marks=False) + 0.5


def test_only_the_lexicons_own_ngrams_score_never_other_ngrams_or_padding():
    model = lexicon_model()
    rng = torch.Generator().manual_seed(0)
    words = torch.randint(25, 32, (64, 12), generator=rng)                          # no entry's tokens at all
    mask = torch.ones_like(words)
    mask[:, 8:] = 0                                                                # padding too
    assert model.lexicon_score(words * mask, mask).abs().max().item() == 0.0


def test_a_checkpoint_saved_with_a_lexicon_loads_with_it(tmp_path):
    from reviewlens.models.checkpoint import load_state, load_tensors, save_tensors

    model = model_with_wide(seen=[13], intercept=[0.0, 0.0, 0.0])
    model.set_lexicon(*lexicon_table(entry_ids({"broken": -1.0}, spell), ORDERS))
    save_tensors(model.state_dict(), tmp_path / "model.safetensors")
    state = load_tensors(tmp_path / "model.safetensors")
    again = model_with_wide(seen=[], intercept=[0.0, 0.0, 0.0])
    again.set_lexicon(state["lexicon_keys"], state["lexicon_values"])
    load_state(again, state, tmp_path / "model.safetensors")
    ids = torch.tensor([[14, 11]])
    assert again.lexicon_score(ids, torch.ones_like(ids)).item() == -1.0


def test_the_lexicon_decides_unfamiliar_text_once_it_has_a_weight():
    model = model_with_wide(seen=[13, 16], intercept=[3.0, 0.0, -3.0])
    with torch.no_grad():
        model.set_lexicon(*lexicon_table(entry_ids({"broken": -1.0}, spell), ORDERS))
        model.lexicon_weight.copy_(torch.tensor([-5.0, 0.0, 5.0]))
        model.sentiment.weight.zero_(), model.sentiment.bias.zero_()
    logits = sentiment_logits(model, [14, 11])                             # "charger broken"
    assert logits.argmax().item() == NEG and logits[NEG] - logits[POS] > 4




def test_a_model_trained_now_hears_its_lexicon_on_familiar_text_and_one_saved_before_only_on_unfamiliar(tmp_path):
    from reviewlens.models.checkpoint import load_state, load_tensors, save_tensors

    model = model_with_wide(seen=[13, 11], intercept=[0.0, 0.0, 0.0])             # "dress broken": all familiar
    with torch.no_grad():
        model.set_lexicon(*lexicon_table(entry_ids({"broken": -1.0}, spell), ORDERS))
        model.lexicon_weight.copy_(torch.tensor([-5.0, 0.0, 5.0]))
    before = {k: v for k, v in model.state_dict().items() if k not in ("lexicon_everywhere", "negation_marks")}
    save_tensors(before, tmp_path / "model.safetensors")
    state = load_tensors(tmp_path / "model.safetensors")
    old = model_with_wide(seen=[], intercept=[0.0, 0.0, 0.0])
    old.set_lexicon(state["lexicon_keys"], state["lexicon_values"])
    load_state(old, state, tmp_path / "model.safetensors")
    assert old.lexicon_everywhere.item() == 0.0 and old.negation_marks.item() == 0.0
    model.use_wide = False
    deep = sentiment_logits(model, [13, 11])
    model.use_wide = True
    old_logits = sentiment_logits(old, [13, 11]) - deep                              # wide path only: no lexicon
    assert old_logits[NEG] - old_logits[POS] < 2
    with torch.no_grad():
        model.lexicon_everywhere.fill_(1.0)                                          # as training sets it now
    new_logits = sentiment_logits(model, [13, 11]) - deep
    assert new_logits[NEG] - new_logits[POS] - (old_logits[NEG] - old_logits[POS]) == pytest.approx(10.0, abs=1e-4)
