"""Where tensors live: CUDA with bf16 autocast when present, else the CPU in fp32."""

from __future__ import annotations

from contextlib import nullcontext

import torch


def pick_device(name: str = "auto") -> torch.device:
    """'auto' → cuda when available, else cpu.

    >>> pick_device('cpu')
    device(type='cpu')
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def autocast(device: torch.device):
    """bf16 autocast on CUDA; nothing on the CPU (fp32 is what its kernels are fast at)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
