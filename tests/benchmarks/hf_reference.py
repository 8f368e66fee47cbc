"""Our trained classifier run the way most people run such a model: through Hugging Face `transformers`.

Why XLM-RoBERTa-XL and not BertForSequenceClassification: our encoder is pre-LayerNorm (LayerNorm before
attention and before the feed-forward, residuals around both, one final LayerNorm, no LayerNorm on the
embeddings). BERT is post-LayerNorm (LayerNorm after each residual add, and on the embeddings), so no copy of
our weights into BERT computes our function. RobertaPreLayerNorm is pre-LN too but keeps a LayerNorm on the
embeddings, which our encoder lacks. `XLMRobertaXLModel` has exactly our block (self_attn_layer_norm → attention
→ residual; LayerNorm → dense → GELU → dense → residual; a final encoder LayerNorm, none on the embeddings), so
the weights map one to one: query/key/value are slices of our fused qkv, token-type embeddings are zero,
positions are passed explicitly (0..T-1, not RoBERTa's padding-offset positions).

What transformers has no place for is fed through its own inputs: our hashed token bi/trigram embeddings are
added to its word embeddings and go in as `inputs_embeds`; the masked mean pooling, the sentiment and topic
heads and the wide TF-IDF path (our model's parts, not BERT's) are applied to its last hidden state with our
modules. The reference therefore computes our review-level outputs with the transformers encoder in the middle.
"""

from __future__ import annotations

import torch
from transformers import XLMRobertaXLConfig, XLMRobertaXLModel

from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.encoder import Encoder, EncoderConfig
from reviewlens.models.ngrams import hashed_ngrams


def hf_config(cfg: EncoderConfig) -> XLMRobertaXLConfig:
    """An XLM-RoBERTa-XL configuration of our encoder's sizes (exact GELU, LayerNorm eps 1e-5, no dropout)."""
    return XLMRobertaXLConfig(
        vocab_size=cfg.vocab_size, hidden_size=cfg.d_model, num_hidden_layers=cfg.n_layers,
        num_attention_heads=cfg.n_heads, intermediate_size=cfg.d_ff, hidden_act="gelu",
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, max_position_embeddings=cfg.max_len,
        type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=cfg.pad_id,
    )


def hf_state_dict(encoder: Encoder) -> dict[str, torch.Tensor]:
    """Our encoder's weights under XLMRobertaXLModel's names (every parameter of that model, nothing left over)."""
    C = encoder.cfg.d_model
    out = {
        "embeddings.word_embeddings.weight": encoder.tok.weight,
        "embeddings.position_embeddings.weight": encoder.pos.weight,
        "embeddings.token_type_embeddings.weight": torch.zeros(1, C),
        "encoder.LayerNorm.weight": encoder.ln_f.weight, "encoder.LayerNorm.bias": encoder.ln_f.bias,
    }
    for i, block in enumerate(encoder.blocks):
        p = f"encoder.layer.{i}."
        q, k, v = block.attn.qkv.weight.split(C, dim=0)                   # fused (3C, C) → three (C, C)
        qb, kb, vb = block.attn.qkv.bias.split(C, dim=0)
        out.update({
            p + "attention.self_attn_layer_norm.weight": block.ln1.weight, p + "attention.self_attn_layer_norm.bias": block.ln1.bias,
            p + "attention.self.query.weight": q, p + "attention.self.query.bias": qb,
            p + "attention.self.key.weight": k, p + "attention.self.key.bias": kb,
            p + "attention.self.value.weight": v, p + "attention.self.value.bias": vb,
            p + "attention.output.dense.weight": block.attn.out.weight, p + "attention.output.dense.bias": block.attn.out.bias,
            p + "LayerNorm.weight": block.ln2.weight, p + "LayerNorm.bias": block.ln2.bias,
            p + "intermediate.dense.weight": block.ff[0].weight, p + "intermediate.dense.bias": block.ff[0].bias,
            p + "output.dense.weight": block.ff[2].weight, p + "output.dense.bias": block.ff[2].bias,
        })
    return {name: t.detach().clone() for name, t in out.items()}


def to_hf(encoder: Encoder) -> XLMRobertaXLModel:
    """A transformers model computing our encoder; fails loudly if any of its weights is left unmapped."""
    model = XLMRobertaXLModel(hf_config(encoder.cfg), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(hf_state_dict(encoder), strict=False)
    if missing or unexpected:
        raise ValueError(f"weight mapping incomplete: missing {missing}, unexpected {unexpected}")
    return model.eval()


class HFReference:
    """Our classifier's review-level outputs with the transformers encoder doing the encoding."""

    def __init__(self, classifier: ReviewClassifier) -> None:
        self.classifier = classifier.eval()
        self.hf = to_hf(classifier.encoder)

    def hidden(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Last hidden state (B, T, C) from transformers, our n-gram embeddings added to its word embeddings."""
        enc = self.classifier.encoder
        x = self.hf.embeddings.word_embeddings(ids)                                      # (B, T, C)
        if enc.ngram is not None:
            for n in enc.cfg.ngram_orders:
                x = x + enc.ngram(hashed_ngrams(ids, attention_mask, n, enc.cfg.ngram_buckets))
        positions = torch.arange(ids.shape[1]).expand_as(ids)                            # (B, T): 0..T-1
        return self.hf(inputs_embeds=x, attention_mask=attention_mask, position_ids=positions).last_hidden_state

    def __call__(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw sentiment logits (B, 3), topic logits (B, K), pooled (B, C): what ReviewClassifier.forward returns."""
        m = self.classifier
        pooled = Encoder.pool(self.hidden(ids, attention_mask), attention_mask)         # (B, C)
        return m.sentiment_logits(pooled, ids, attention_mask), m.topics(pooled), pooled
