"""A small BERT-style encoder: readable top to bottom, shapes annotated.

Token + learned position embeddings plus hashed n-gram embeddings (token bi- and trigrams: Chinese
character n-grams, English word n-grams) summed in, as fastText does for its inputs: on small review sets
n-grams carry most of the signal, and the blocks add context on top of them. Pre-LayerNorm blocks (attention through F.scaled_dot_product_attention with a key-padding mask, GELU
feed-forward), learned positions, a final LayerNorm, a masked mean-pooled output for classification
heads, and an MLM head whose output matrix is the token embedding (tied).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from reviewlens.models.ngrams import hashed_ngrams


@dataclass
class EncoderConfig:
    vocab_size: int = 12_000
    d_model: int = 128      # hidden width
    n_layers: int = 2
    n_heads: int = 4        # d_model must divide by n_heads
    d_ff: int = 512         # feed-forward width
    max_len: int = 128      # longer reviews are truncated (head + tail kept) by the tokenizer
    dropout: float = 0.1
    # on the attention weights; None: `dropout`. Off in the presets: on CPU it takes scaled_dot_product_attention
    # off its fused kernel, and the (B, H, T, T) mask costs more than the rest of the attention
    attention_dropout: float | None = None
    pad_id: int = 0
    ngram_buckets: int = 0  # hashed n-gram embedding rows; 0 turns n-gram embeddings off
    ngram_orders: tuple[int, ...] = (2, 3)

    def __post_init__(self) -> None:
        self.ngram_orders = tuple(self.ngram_orders)                    # JSON gives a list back
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model {self.d_model} must divide by n_heads {self.n_heads}")

    def to_dict(self) -> dict:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.n_heads, self.d_model = cfg.n_heads, cfg.d_model
        self.dropout = cfg.dropout if cfg.attention_dropout is None else cfg.attention_dropout
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.d_model)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape                                               # x (B, T, C); keep (B, 1, 1, T) bool
        q, k, v = self.qkv(x).split(C, dim=-1)                          # each (B, T, C)
        q = q.view(B, T, self.n_heads, -1).transpose(1, 2)              # (B, H, T, C/H)
        k = k.view(B, T, self.n_heads, -1).transpose(1, 2)
        v = v.view(B, T, self.n_heads, -1).transpose(1, 2)
        drop = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=drop)  # (B, H, T, C/H)
        y = y.transpose(1, 2).reshape(B, T, C)                          # (B, T, C)
        return self.out(y)


class Block(nn.Module):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = SelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.ff = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff), nn.GELU(), nn.Linear(cfg.d_ff, cfg.d_model))
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x), keep))                 # (B, T, C)
        return x + self.drop(self.ff(self.ln2(x)))


class Encoder(nn.Module):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model, padding_idx=cfg.pad_id)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.ngram = nn.Embedding(cfg.ngram_buckets, cfg.d_model, padding_idx=0) if cfg.ngram_buckets else None
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(_init_weights)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states (B, T, C) for token ids (B, T) and attention_mask (B, T), 1 for real tokens."""
        B, T = ids.shape
        positions = torch.arange(T, device=ids.device)                  # (T,)
        x = self.tok(ids) + self.pos(positions)                         # (B, T, C)
        if self.ngram is not None:
            for n in self.cfg.ngram_orders:                             # the n-gram ending at each token
                x = x + self.ngram(hashed_ngrams(ids, attention_mask, n, self.cfg.ngram_buckets))
        x = self.drop(x)
        keep = attention_mask.bool()[:, None, None, :]                  # (B, 1, 1, T): attend to real keys only
        for block in self.blocks:
            x = block(x, keep)
        return self.ln_f(x)

    @staticmethod
    def pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean of the real tokens' states (B, C); padding never enters, so batching cannot change it."""
        weights = attention_mask.to(hidden.dtype).unsqueeze(-1)         # (B, T, 1)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class MLMHead(nn.Module):
    """Predicts masked tokens; the output matrix is the token embedding itself (tied, not copied)."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        C = encoder.cfg.d_model
        self.transform = nn.Sequential(nn.Linear(C, C), nn.GELU(), nn.LayerNorm(C))
        self.decoder = nn.Linear(C, encoder.cfg.vocab_size)
        self.decoder.weight = encoder.tok.weight                        # tied: (V, C)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(hidden))                     # (..., V)


class MaskedLM(nn.Module):
    """Encoder + MLM head; logits only at masked positions, which saves most of the (N, V) projection."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.encoder = Encoder(cfg)
        self.head = MLMHead(self.encoder)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean cross-entropy over masked tokens and their logits (M, V); labels are -100 elsewhere."""
        hidden = self.encoder(ids, attention_mask)                      # (B, T, C)
        picked = labels != -100                                         # (B, T)
        logits = self.head(hidden[picked])                              # (M, V)
        return F.cross_entropy(logits, labels[picked]), logits


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)
    if isinstance(module, nn.Embedding) and module.padding_idx is not None:
        with torch.no_grad():
            module.weight[module.padding_idx].zero_()
