"""Encoder speed against torch.nn.TransformerEncoder of the same size, on the same batches, in one run.

Reports training and inference tokens/s for both, their ratio (target: ours >= 1.0), and our achieved
GFLOP/s against a plain torch.mm of the model's matrix sizes (how close we are to this CPU's limit).
Prints a table and writes var/bench/bench_encoder.json.

    python tests/benchmarks/bench_encoder.py [--preset demo|full] [--batches 12]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn as nn

from reviewlens.models.batching import pad, token_budget_batches
from reviewlens.models.encoder import Encoder, EncoderConfig
from reviewlens.models.presets import PRESETS


class TorchReference(nn.Module):
    """nn.TransformerEncoder with our sizes: pre-LN, GELU, learned positions, same embedding."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.n_heads, cfg.d_ff, cfg.dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.n_layers, norm=nn.LayerNorm(cfg.d_model), enable_nested_tensor=False)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        return self.layers(x, src_key_padding_mask=attention_mask == 0)


def make_batches(cfg: EncoderConfig, n: int, max_tokens: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Review-like lengths (median ~60 tokens, long tail clipped at max_len), batched by token budget."""
    g = torch.Generator().manual_seed(0)
    lengths = (torch.distributions.LogNormal(4.0, 0.6).sample((4000,)).clamp(4, cfg.max_len)).long().tolist()
    seqs = [torch.randint(5, cfg.vocab_size, (L,), generator=g).tolist() for L in lengths]
    batches = token_budget_batches(lengths, max_tokens, shuffle_seed=0)[:n]
    return [pad([seqs[i] for i in b]) for b in batches]


def flops_per_token(cfg: EncoderConfig, T: float) -> float:
    """Forward multiply-adds x2 per token: projections, feed-forward and attention scores."""
    C, F, L = cfg.d_model, cfg.d_ff, cfg.n_layers
    return 2 * L * (4 * C * C + 2 * C * F + 2 * T * C)


def timed(model: nn.Module, batches, train: bool) -> float:
    """Tokens per second (real tokens) over the batches, after one warm-up batch."""
    model.train(train)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4) if train else None
    def step(ids, mask):
        if train:
            out = model(ids, mask)
            out.float().pow(2).mean().backward()
            opt.step(); opt.zero_grad(set_to_none=True)
        else:
            with torch.inference_mode():
                model(ids, mask)
    step(*batches[0])
    tokens, started = 0, time.perf_counter()
    for ids, mask in batches:
        step(ids, mask)
        tokens += int(mask.sum())
    return tokens / (time.perf_counter() - started)


def mm_gflops(cfg: EncoderConfig, rows: int) -> float:
    a, b = torch.randn(rows, cfg.d_model), torch.randn(cfg.d_model, cfg.d_ff)
    for _ in range(3):
        a @ b
    n, started = 30, time.perf_counter()
    for _ in range(n):
        a @ b
    return 2 * rows * cfg.d_model * cfg.d_ff * n / (time.perf_counter() - started) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="demo", choices=list(PRESETS))
    parser.add_argument("--batches", type=int, default=12)
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    cfg = EncoderConfig(**{**preset.encoder.to_dict(), "dropout": 0.0})
    batches = make_batches(cfg, args.batches, preset.pretrain.max_tokens)
    mean_T = sum(int(m.shape[1]) for _, m in batches) / len(batches)
    torch.manual_seed(0)
    ours, ref = Encoder(cfg), TorchReference(cfg)
    rows = []
    for mode, train in (("training", True), ("inference", False)):
        ours_tps = timed(ours, batches, train)
        ref_tps = timed(ref, batches, train)
        gflops = ours_tps * flops_per_token(cfg, mean_T) * (3 if train else 1) / 1e9
        rows.append({"mode": mode, "ours_tokens_per_s": ours_tps, "torch_tokens_per_s": ref_tps,
                     "ratio": ours_tps / ref_tps, "ours_gflops": gflops})
    peak = mm_gflops(cfg, preset.pretrain.max_tokens)
    print(f"preset {args.preset}: {cfg.n_layers} layers, width {cfg.d_model}, {len(batches)} batches, threads {torch.get_num_threads()}")
    print(f"{'mode':10} {'ours tok/s':>11} {'torch tok/s':>12} {'ratio':>6} {'GFLOP/s':>8} {'of mm peak':>10}")
    for r in rows:
        r["share_of_mm_peak"] = r["ours_gflops"] / peak
        print(f"{r['mode']:10} {r['ours_tokens_per_s']:>11,.0f} {r['torch_tokens_per_s']:>12,.0f} {r['ratio']:>6.2f} "
              f"{r['ours_gflops']:>8.1f} {r['share_of_mm_peak']:>9.0%}")
    print(f"plain torch.mm ({preset.pretrain.max_tokens}x{cfg.d_model} @ {cfg.d_model}x{cfg.d_ff}): {peak:.1f} GFLOP/s")
    target = Path("var/bench"); target.mkdir(parents=True, exist_ok=True)
    (target / f"bench_encoder_{args.preset}.json").write_text(json.dumps({"rows": rows, "mm_gflops": peak}, indent=2))


if __name__ == "__main__":
    main()
