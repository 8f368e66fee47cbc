"""The learning-rate schedule both training stages use: linear warmup, then cosine decay."""

from __future__ import annotations

import math


def warmup_cosine(step: int, total: int, warmup: int, min_ratio: float = 0.0) -> float:
    """Multiplier of the peak learning rate at a step (0-based).

    >>> warmup_cosine(0, 100, 10), warmup_cosine(9, 100, 10), warmup_cosine(100, 100, 10)
    (0.1, 1.0, 0.0)
    >>> round(warmup_cosine(55, 100, 10, min_ratio=0.1), 3)
    0.55
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
