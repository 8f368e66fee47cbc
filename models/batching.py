"""Batches by token budget over length-sorted sequences: little padding, bounded memory."""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch

from reviewlens.models.tokenizer import CLS_ID, PAD_ID, SEP_ID


def token_budget_batches(lengths: Sequence[int], max_tokens: int, shuffle_seed: int | None = None) -> list[list[int]]:
    """Index batches whose padded size (rows x longest) stays within max_tokens.

    token_budget_batches([3, 9, 4, 8], 16) -> [[0, 2], [3], [1]]
    Sorting by length keeps padding low; with a seed, the order of the batches (not their content) is shuffled.
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = max(lengths[i], lengths[current[-1]] if current else 0)
        if current and longest * (len(current) + 1) > max_tokens:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(batches)
    return batches


def pad(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """ids (B, T) padded with [PAD] and attention_mask (B, T), 1 on real tokens."""
    T = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), T), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(sequences), T), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


def special_mask(ids: torch.Tensor) -> torch.Tensor:
    """(B, T) bool: [PAD], [CLS] and [SEP] positions."""
    return (ids == PAD_ID) | (ids == CLS_ID) | (ids == SEP_ID)
