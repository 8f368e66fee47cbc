"""The arithmetic the encoder blocks run in when scoring: fp32, bf16 or int8.

Only the encoder blocks change (they hold nearly all of the FLOPs); the embeddings, the final LayerNorm,
pooling, the heads, the wide path and calibration stay fp32, so a lower precision moves a logit by rounding
noise, not by a changed model. bf16 runs each block wholly in bf16 (weights cast once; LayerNorm and softmax
accumulate in fp32 inside their kernels): casting only around the matmuls, as autocast does, spent more time
converting than it saved. int8 swaps the blocks' linear layers for dynamically quantised ones.

'auto' picks bf16 where the CPU multiplies bf16 natively (AMX or AVX512-BF16: several times fp32's speed
here), else fp32; on CUDA it keeps the bf16 autocast training uses. int8 is dynamic quantisation
(per-tensor int8 weights, activations quantised per batch): faster than fp32 on AVX512-VNNI CPUs without
AMX, slower than bf16 where AMX exists.
"""

from __future__ import annotations

import copy
import warnings

import torch
import torch.nn as nn

PRECISIONS = ("auto", "fp32", "bf16", "int8")


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AMX tiles or AVX512-BF16); False where torch cannot tell."""
    cpu = getattr(torch, "cpu", None)
    checks = [getattr(cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    try:
        return any(check() for check in checks if check is not None)
    except RuntimeError:
        return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """The concrete precision for 'auto' on this device; any other name is checked and returned."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        if device.type == "cuda" and precision == "int8":
            raise ValueError("int8 (dynamic quantisation) runs on the CPU only; use fp32 or bf16 on CUDA")
        return precision
    if device.type == "cuda":
        return "bf16"
    return "bf16" if native_bf16() else "fp32"


class Bf16Block(nn.Module):
    """An encoder block run wholly in bf16 (LayerNorms accumulate in fp32 inside the kernel): x (B, T, C) in
    any dtype, out (B, T, C) in fp32, so the encoder around it, its final LayerNorm and the heads stay fp32."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block.to(torch.bfloat16)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        return self.block(x.to(torch.bfloat16), keep).float()


def _swap_linears(module: nn.Module, make) -> None:
    """Replace every nn.Linear under module by make(linear), in place."""
    for name, child in module.named_children():
        if type(child) is nn.Linear:
            setattr(module, name, make(child))
        else:
            _swap_linears(child, make)


def _int8(linear: nn.Linear) -> nn.Module:
    with warnings.catch_warnings():                 # torch.ao's eager quantisation warns that torchao is its successor
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(nn.Sequential(linear), {nn.Linear}, dtype=torch.qint8)[0]


def for_scoring(classifier: nn.Module, precision: str) -> nn.Module:
    """The classifier to score with: itself for fp32 (and on CUDA, which autocasts), else a copy whose encoder
    blocks' linear layers run in `precision`; the copy shares every other tensor, so it costs the blocks only."""
    if precision == "fp32" or next(classifier.parameters()).device.type != "cpu":
        return classifier
    blocks = {id(t) for t in classifier.encoder.blocks.state_dict(keep_vars=True).values()}
    shared = {id(t): t for t in classifier.state_dict(keep_vars=True).values() if id(t) not in blocks}
    scoring = copy.deepcopy(classifier, memo=shared).eval()    # embeddings, wide path, heads: shared, not copied
    if precision == "bf16":
        scoring.encoder.blocks = nn.ModuleList(Bf16Block(b) for b in scoring.encoder.blocks)
    else:
        for block in scoring.encoder.blocks:
            _swap_linears(block, _int8)
    return scoring
