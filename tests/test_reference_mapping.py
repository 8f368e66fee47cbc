"""The scoring benchmark's reference: our weights copied into Hugging Face transformers compute our model.

Every parameter is randomised (LayerNorm scales and biases too), so a weight mapped to the wrong place, a
transposed or swapped slice of the fused qkv, or a LayerNorm used in the wrong spot changes the outputs.
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("transformers", reason="transformers is a benchmark-only dependency (the `test` extra)")

from reviewlens.models.batching import pad  # noqa: E402
from reviewlens.models.classifier import ReviewClassifier  # noqa: E402
from reviewlens.models.encoder import EncoderConfig  # noqa: E402
from tests.benchmarks.hf_reference import HFReference, hf_state_dict  # noqa: E402

CFG = EncoderConfig(vocab_size=97, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=24, dropout=0.0, ngram_buckets=101)


def random_classifier(seed: int = 0) -> ReviewClassifier:
    torch.manual_seed(seed)
    model = ReviewClassifier(CFG, n_topics=5, wide_buckets=211).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.3 + (1.0 if p.ndim == 1 and p.shape[0] == CFG.d_model else 0.0))
        model.mix.copy_(torch.tensor([0.8, 1.3]))
    return model


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    lengths = [24, 5, 13, 2, 19]                                   # padding in every row but the first
    return pad([[2, *torch.randint(5, CFG.vocab_size, (n - 2,), generator=g).tolist(), 3] for n in lengths])


def test_the_transformers_encoder_computes_our_outputs():
    model = random_classifier()
    ids, mask = batch()
    with torch.inference_mode():
        ours = model(ids, mask)
        theirs = HFReference(model)(ids, mask)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)


def test_the_mapping_covers_every_weight_of_the_transformers_model():
    from tests.benchmarks.hf_reference import hf_config
    from transformers import XLMRobertaXLModel

    names = set(XLMRobertaXLModel(hf_config(CFG), add_pooling_layer=False).state_dict())
    assert set(hf_state_dict(random_classifier().encoder)) == names


@pytest.mark.parametrize("swap", [("query", "key"), ("self_attn_layer_norm", "LayerNorm_of_block")])
def test_a_misplaced_weight_changes_the_outputs(swap):
    """The equality above can fail: the same check with two weights exchanged does."""
    model = random_classifier()
    ref = HFReference(model)
    layer = ref.hf.encoder.layer[0]
    a, b = swap
    first = layer.attention.self.query if a == "query" else layer.attention.self_attn_layer_norm
    second = layer.attention.self.key if b == "key" else layer.LayerNorm
    with torch.no_grad():
        w = first.weight.clone()
        first.weight.copy_(second.weight)
        second.weight.copy_(w)
    ids, mask = batch()
    with torch.inference_mode():
        assert not torch.allclose(ref(ids, mask)[0], model(ids, mask)[0], atol=1e-3)
