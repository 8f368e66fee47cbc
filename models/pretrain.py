"""Masked-language-model pretraining: dynamic whole-word masking, AdamW with warmup + cosine decay,
gradient clipping, token-budget batches, and checkpoints that resume to the same losses.

Every step's randomness (batch order, masks, dropout) is derived from (seed, step), so a run resumed
from a checkpoint continues exactly as an uninterrupted run would.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from reviewlens.models.atomic import atomic_path
from reviewlens.models.batching import pad, special_mask, token_budget_batches
from reviewlens.models.checkpoint import load_tensors, read_json, save_tensors, write_json
from reviewlens.models.device import autocast, pick_device
from reviewlens.models.encoder import EncoderConfig, MaskedLM
from reviewlens.models.masking import IGNORE, MaskingConfig, mask_tokens
from reviewlens.models.optim import param_groups
from reviewlens.models.schedule import warmup_cosine
from reviewlens.models.tokenizer import SPECIAL_TOKENS


@dataclass
class PretrainConfig:
    steps: int = 800
    max_tokens: int = 8_192          # padded tokens per batch
    lr: float = 1e-3
    warmup_steps: int = 80
    min_lr_ratio: float = 0.1        # cosine decays to this share of lr
    weight_decay: float = 0.01
    clip_norm: float = 1.0
    seed: int = 0
    checkpoint_every: int = 200
    masking: MaskingConfig = field(default_factory=MaskingConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warmup, then cosine decay to min_lr_ratio of the peak."""
    return cfg.lr * warmup_cosine(step, cfg.steps, cfg.warmup_steps, cfg.min_lr_ratio)


class BatchSchedule:
    """The batch for any global step: epoch e shuffles the length-sorted batches with seed + e."""

    def __init__(self, lengths: list[int], max_tokens: int, seed: int) -> None:
        self.lengths, self.max_tokens, self.seed = lengths, max_tokens, seed
        self._epoch, self._batches = -1, []
        self.per_epoch = len(token_budget_batches(lengths, max_tokens))

    def __call__(self, step: int) -> list[int]:
        epoch = step // self.per_epoch
        if epoch != self._epoch:
            self._epoch, self._batches = epoch, token_budget_batches(self.lengths, self.max_tokens, self.seed + epoch)
        return self._batches[step % self.per_epoch]


def _step_generator(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


def _save_state(folder: Path, model: MaskedLM, opt: torch.optim.Optimizer, step: int, history: list) -> None:
    """Training state (weights, AdamW moments, step, loss history); written to a temp folder, then swapped in."""
    with atomic_path(folder) as tmp:
        tmp.mkdir(parents=True)
        save_tensors(model.state_dict(), tmp / "model.safetensors")
        opt_state = opt.state_dict()
        tensors = {f"{i}.{k}": v for i, s in opt_state["state"].items() for k, v in s.items()}
        save_tensors(tensors, tmp / "optimizer.safetensors")
        groups = [{k: v for k, v in g.items()} for g in opt_state["param_groups"]]
        write_json(tmp / "state.json", {"step": step, "history": history, "param_groups": groups})


def _load_state(folder: Path, model: MaskedLM, opt: torch.optim.Optimizer) -> tuple[int, list]:
    state = read_json(folder / "state.json")
    device = next(model.parameters()).device
    model.load_state_dict({k: v.to(device) for k, v in load_tensors(folder / "model.safetensors").items()}, strict=False)
    flat = load_tensors(folder / "optimizer.safetensors")
    per_param: dict[int, dict] = {}
    for key, value in flat.items():
        index, name = key.split(".", 1)
        per_param.setdefault(int(index), {})[name] = value if name == "step" else value.to(device)
    opt.load_state_dict({"state": per_param, "param_groups": state["param_groups"]})
    return state["step"], state["history"]


def pretrain(
    sequences: list[list[int]],
    model_cfg: EncoderConfig,
    cfg: PretrainConfig,
    continuation: torch.Tensor,
    state_dir: Path | None = None,
    on_step: Callable[[int, float, float], None] | None = None,
    stop_after: int | None = None,
    device: str = "auto",
) -> tuple[MaskedLM, list[tuple[int, float]]]:
    """Train an MLM on token-id sequences; resumes from state_dir when it holds a checkpoint.

    on_step(step, loss, tokens_per_s) reports progress; stop_after ends early (to test resuming).
    Returns the model and the loss history [(step, loss)].
    """
    torch.manual_seed(cfg.seed)
    dev = pick_device(device)
    model = MaskedLM(model_cfg).to(dev)
    opt = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)
    start, history = 0, []
    if state_dir is not None and (state_dir / "state.json").exists():
        start, history = _load_state(state_dir, model, opt)
    schedule = BatchSchedule([len(s) for s in sequences], cfg.max_tokens, cfg.seed)
    n_special = len(SPECIAL_TOKENS)
    model.train()
    last = stop_after if stop_after is not None else cfg.steps
    for step in range(start, min(last, cfg.steps)):
        started = time.perf_counter()
        ids, attention = pad([sequences[i] for i in schedule(step)])
        masked, labels = mask_tokens(ids, special_mask(ids), continuation, n_special, _step_generator(cfg.seed, step), cfg.masking)
        if (labels != IGNORE).sum() == 0:
            continue
        torch.manual_seed(cfg.seed * 7_919 + step)                         # dropout, per step
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        with autocast(dev):
            loss, _ = model(masked.to(dev), attention.to(dev), labels.to(dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
        opt.step()
        history.append((step, loss.item()))
        if on_step:
            on_step(step, loss.item(), int(attention.sum()) / (time.perf_counter() - started))
        if state_dir is not None and (step + 1) % cfg.checkpoint_every == 0:
            _save_state(state_dir, model, opt, step + 1, history)
    if state_dir is not None and stop_after is not None:
        _save_state(state_dir, model, opt, min(last, cfg.steps), history)
    model.eval()
    return model, history


@torch.inference_mode()
def evaluate_mlm(
    model: MaskedLM,
    sequences: list[list[int]],
    continuation: torch.Tensor,
    seed: int = 12_345,
    max_tokens: int = 16_384,
) -> dict[str, float]:
    """Masked-token accuracy and perplexity on held-out sequences, with a fixed masking seed."""
    model.eval()
    dev = next(model.parameters()).device
    total_loss, total_right, total = 0.0, 0, 0
    for n, batch in enumerate(token_budget_batches([len(s) for s in sequences], max_tokens)):
        ids, attention = pad([sequences[i] for i in batch])
        masked, labels = mask_tokens(ids, special_mask(ids), continuation, len(SPECIAL_TOKENS), _step_generator(seed, n))
        picked = int((labels != IGNORE).sum())
        if picked == 0:
            continue
        labels = labels.to(dev)
        with autocast(dev):
            loss, logits = model(masked.to(dev), attention.to(dev), labels)
        total_loss += float(loss) * picked
        total_right += int((logits.argmax(-1) == labels[labels != IGNORE]).sum())
        total += picked
    if total == 0:
        return {"masked_tokens": 0, "masked_accuracy": float("nan"), "perplexity": float("nan")}
    return {"masked_tokens": total, "masked_accuracy": total_right / total, "perplexity": math.exp(total_loss / total)}
