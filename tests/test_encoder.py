"""Encoder: shapes, padding invariance, tied MLM weights, learning, checkpoints and resume."""

from __future__ import annotations

import torch
import pytest

from reviewlens.models.batching import pad, special_mask, token_budget_batches
from reviewlens.models.checkpoint import CheckpointError, load_checkpoint, load_state, save_checkpoint
from reviewlens.models.encoder import Encoder, EncoderConfig, MaskedLM
from reviewlens.models.masking import IGNORE, MaskingConfig, mask_tokens
from reviewlens.models.pretrain import PretrainConfig, pretrain
from reviewlens.models.tokenizer import MASK_ID, train_tokenizer

CFG = EncoderConfig(vocab_size=300, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=40, dropout=0.0)


def random_sequences(n: int, seed: int = 0) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(4, 30, (n,), generator=g).tolist()
    return [[2, *torch.randint(5, CFG.vocab_size, (L - 2,), generator=g).tolist(), 3] for L in lengths]


def test_encoder_output_shapes():
    ids, mask = pad(random_sequences(3))
    encoder = Encoder(CFG)
    hidden = encoder(ids, mask)
    assert hidden.shape == (3, ids.shape[1], CFG.d_model)
    assert Encoder.pool(hidden, mask).shape == (3, CFG.d_model)


def test_a_review_alone_and_inside_a_padded_batch_gives_the_same_vectors():
    torch.manual_seed(0)
    encoder = Encoder(CFG).eval()
    short, long = random_sequences(2, seed=3)[0][:6], random_sequences(1, seed=4)[0] + [7] * 10
    alone_ids, alone_mask = pad([short])
    batch_ids, batch_mask = pad([long, short])
    with torch.no_grad():
        alone = encoder(alone_ids, alone_mask)
        batched = encoder(batch_ids, batch_mask)
    torch.testing.assert_close(batched[1, : len(short)], alone[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(Encoder.pool(batched, batch_mask)[1], Encoder.pool(alone, alone_mask)[0], atol=1e-5, rtol=0)


def test_attention_dropout_is_its_own_setting_and_defaults_to_the_residual_dropout():
    from dataclasses import replace
    from reviewlens.models.encoder import SelfAttention
    torch.manual_seed(0)
    x, keep = torch.randn(2, 6, CFG.d_model), torch.ones(2, 1, 1, 6, dtype=torch.bool)
    off = SelfAttention(replace(CFG, dropout=0.5, attention_dropout=0.0)).train()
    assert torch.equal(off(x, keep), off(x, keep))                   # training, yet nothing dropped
    inherited = SelfAttention(replace(CFG, dropout=0.5)).train()      # a config saved before the setting existed
    assert inherited.dropout == 0.5 and not torch.equal(inherited(x, keep), inherited(x, keep))
    assert EncoderConfig(**{k: v for k, v in CFG.to_dict().items() if k != "attention_dropout"}).attention_dropout is None


def test_masking_picks_15_percent_split_80_10_10():
    ids = torch.randint(5, 1000, (400, 100))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    continuation = torch.zeros(1000, dtype=torch.bool)
    masked, labels = mask_tokens(ids, special, continuation, 5, torch.Generator().manual_seed(0))
    picked = labels != IGNORE
    assert picked.float().mean().item() == pytest.approx(0.15 * 98 / 100, abs=0.005)
    assert not picked[special].any()
    as_mask = (masked[picked] == MASK_ID).float().mean().item()
    kept = (masked[picked] == ids[picked]).float().mean().item()
    assert as_mask == pytest.approx(0.8, abs=0.01)
    assert kept == pytest.approx(0.1, abs=0.01)          # the 10% random ones rarely hit the original id
    assert (masked[~picked] == ids[~picked]).all()


def test_whole_words_are_masked_together():
    tokenizer = train_tokenizer(["unbelievably comfortable fabric"] * 5 + ["comfort fab"] * 3, vocab_size=60, min_frequency=1)
    from reviewlens.models.masking import continuation_table
    continuation = continuation_table(tokenizer)
    ids, _ = pad([tokenizer.encode("unbelievably comfortable fabric " * 20).ids])
    _, labels = mask_tokens(ids, special_mask(ids), continuation, 5, torch.Generator().manual_seed(1), MaskingConfig(rate=0.3))
    picked = (labels != IGNORE)[0]
    starts = ~continuation[ids[0]]
    word = torch.cumsum(starts.long(), 0)
    for w in word.unique():
        in_word = picked[word == w]
        assert in_word.all() or not in_word.any()


def test_mlm_output_matrix_is_the_token_embedding():
    model = MaskedLM(CFG)
    assert model.head.decoder.weight is model.encoder.tok.weight
    assert model.head.decoder.weight.data_ptr() == model.encoder.tok.weight.data_ptr()


def test_a_tiny_model_overfits_one_batch():
    torch.manual_seed(0)
    model = MaskedLM(CFG)
    ids, mask = pad(random_sequences(8))
    labels = torch.where(special_mask(ids), torch.full_like(ids, IGNORE), ids)
    masked = torch.where(labels != IGNORE, torch.full_like(ids, MASK_ID), ids)
    masked[:, 1::3] = ids[:, 1::3]                           # leave context to learn from
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    first = None
    for _ in range(300):
        loss, _ = model(masked, mask, labels)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first


def test_token_budget_batches_cover_every_sequence_once_within_budget():
    lengths = [len(s) for s in random_sequences(200)]
    batches = token_budget_batches(lengths, 256, shuffle_seed=1)
    assert sorted(i for b in batches for i in b) == list(range(200))
    assert all(max(lengths[i] for i in b) * len(b) <= 256 for b in batches)
    assert token_budget_batches([3, 9, 4, 8], 16) == [[0, 2], [3], [1]]


@pytest.fixture
def checkpoint(tmp_path):
    torch.manual_seed(0)
    model = MaskedLM(CFG).eval()
    tokenizer = train_tokenizer(["fabric fits well", "质量很好"] * 10, vocab_size=100, min_frequency=1)
    folder = save_checkpoint(tmp_path / "v1", model.state_dict(), {"encoder": CFG.to_dict()}, tokenizer, {"ok": 1})
    return folder, model


def test_save_then_load_gives_identical_outputs(checkpoint):
    folder, model = checkpoint
    loaded = load_checkpoint(folder)
    again = MaskedLM(EncoderConfig(**loaded.config["encoder"])).eval()
    load_state(again, loaded.tensors, folder)
    assert again.head.decoder.weight is again.encoder.tok.weight
    ids, mask = pad(random_sequences(4))
    with torch.no_grad():
        torch.testing.assert_close(again.encoder(ids, mask), model.encoder(ids, mask), atol=0, rtol=0)


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_a_damaged_checkpoint_is_one_clear_error(checkpoint, damage):
    folder, _ = checkpoint
    weights = folder / "model.safetensors"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[:1000])
    elif damage == "flip":
        data = bytearray(weights.read_bytes()); data[-10] ^= 0xFF; weights.write_bytes(bytes(data))
    elif damage == "delete":
        weights.unlink()
    else:
        (folder / "manifest.json").unlink()
    with pytest.raises(CheckpointError, match=r"model\.safetensors|manifest"):
        load_checkpoint(folder)


def test_resuming_continues_with_the_same_losses_as_an_uninterrupted_run(tmp_path):
    sequences = random_sequences(120)
    continuation = torch.zeros(CFG.vocab_size, dtype=torch.bool)
    cfg = PretrainConfig(steps=16, max_tokens=256, lr=2e-3, warmup_steps=2, checkpoint_every=4, seed=7)
    dropout_cfg = EncoderConfig(**{**CFG.to_dict(), "dropout": 0.1})
    _, uninterrupted = pretrain(sequences, dropout_cfg, cfg, continuation)
    _, first_half = pretrain(sequences, dropout_cfg, cfg, continuation, state_dir=tmp_path / "state", stop_after=7)
    _, resumed = pretrain(sequences, dropout_cfg, cfg, continuation, state_dir=tmp_path / "state")
    assert [s for s, _ in resumed] == list(range(16))
    torch.testing.assert_close(torch.tensor([l for _, l in resumed]), torch.tensor([l for _, l in uninterrupted]), atol=1e-6, rtol=0)
    assert uninterrupted[-1][1] < uninterrupted[0][1]
