"""Dynamic whole-word masking for MLM: 15% of tokens, of which 80% [MASK], 10% random, 10% kept."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from reviewlens.models.tokenizer import MASK_ID

IGNORE = -100   # label of positions the loss skips


@dataclass(frozen=True)
class MaskingConfig:
    rate: float = 0.15
    mask_share: float = 0.8      # of picked tokens, replaced by [MASK]
    random_share: float = 0.1    # replaced by a random token; the rest stay as they are


def mask_tokens(
    ids: torch.Tensor,               # (B, T) token ids
    special: torch.Tensor,           # (B, T) bool: [CLS]/[SEP]/[PAD], never picked
    continuation: torch.Tensor,      # (V,) bool: token is a '##' WordPiece continuation
    n_special: int,
    generator: torch.Generator,
    cfg: MaskingConfig = MaskingConfig(),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Masked ids and labels (B, T). Words are picked whole: a word's continuations follow its first piece."""
    B, T = ids.shape
    starts = ~continuation[ids] | special                              # (B, T): each special token is its own word
    word = torch.cumsum(starts.long(), dim=1)                         # (B, T) word number within the row
    word_picked = torch.rand(B, T + 1, generator=generator) < cfg.rate  # (B, T+1) one draw per word number
    picked = torch.gather(word_picked, 1, word) & ~special            # (B, T)
    labels = torch.where(picked, ids, torch.full_like(ids, IGNORE))
    choice = torch.rand(B, T, generator=generator)                    # (B, T) how each picked token is corrupted
    to_mask = picked & (choice < cfg.mask_share)
    to_random = picked & (choice >= cfg.mask_share) & (choice < cfg.mask_share + cfg.random_share)
    vocab = continuation.numel()
    random_ids = torch.randint(n_special, vocab, (B, T), generator=generator)
    masked = torch.where(to_mask, torch.full_like(ids, MASK_ID), ids)
    masked = torch.where(to_random, random_ids, masked)
    return masked, labels


def continuation_table(tokenizer) -> torch.Tensor:
    """(V,) bool: True for WordPiece continuation pieces ('##ing')."""
    vocab = tokenizer.get_vocab()
    table = torch.zeros(tokenizer.get_vocab_size(), dtype=torch.bool)
    for token, i in vocab.items():
        table[i] = token.startswith("##")
    return table
