"""Checkpoints as plain files: safetensors weights, JSON config and metrics, tokenizer.json, and a sha256
manifest checked before anything is parsed, so a truncated or altered file is one clear error. No pickle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

from reviewlens.models.atomic import atomic_path, sha256_file
from reviewlens.models.checkpoint_error import CheckpointError

MANIFEST = "manifest.json"
REQUIRED = ("model.safetensors", "config.json", "metrics.json", "tokenizer.json")   # what load_checkpoint reads
REQUIRED_BY_KIND = {"classifier": ("taxonomy.toml",)}                               # what ReviewModel.load adds


def write_manifest(folder: Path) -> None:
    """Record the sha256 of every file in the folder (written last, atomically)."""
    sums = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(sums, indent=2))


def verify(folder: Path) -> dict[str, str]:
    """The manifest, after checking it lists every file the loader reads (for the checkpoint's kind) and every
    listed file is present and unchanged: an empty or partial manifest is a damaged checkpoint."""
    manifest = folder / MANIFEST
    if not folder.is_dir():
        aside = folder.with_name(folder.name + ".old")
        if aside.is_dir():
            raise CheckpointError(f"no checkpoint at {folder}, but {aside} holds the previous one (a save was interrupted); "
                                  f"rename it back to {folder.name}.")
        raise CheckpointError(f"no checkpoint at {folder}; train one with `reviewlens train`.")
    if not manifest.is_file():
        raise CheckpointError(f"{folder} has no {MANIFEST}: the checkpoint was not finished; train it again.")
    try:
        sums = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        raise CheckpointError(f"{manifest} is not valid JSON; the checkpoint is damaged, train it again.") from None
    if not isinstance(sums, dict):
        raise CheckpointError(f"{manifest} is not a name-to-sha256 map; the checkpoint is damaged, train it again.")
    _require_listed(manifest, sums, REQUIRED)
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise CheckpointError(f"{path} is missing from the checkpoint; restore it or train again.")
        if sha256_file(path) != expected:
            raise CheckpointError(f"{path} does not match its sha256 in {MANIFEST} (truncated or altered); restore it or train again.")
    config = read_json(folder / "config.json")
    _require_listed(manifest, sums, REQUIRED_BY_KIND.get(config.get("kind") if isinstance(config, dict) else None, ()))
    return sums


def _require_listed(manifest: Path, sums: dict, names: tuple[str, ...]) -> None:
    missing = [n for n in names if n not in sums]
    if missing:
        raise CheckpointError(f"{manifest} does not list {', '.join(missing)}, which the loader reads: "
                              "the checkpoint is incomplete; restore it or train again.")


def save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Weights as safetensors; tied tensors are stored once (the caller re-ties them at load)."""
    seen: dict[int, str] = {}
    unique = {}
    for name, tensor in tensors.items():
        if tensor.numel() and tensor.data_ptr() in seen:        # empty tensors share address 0 without being tied
            continue
        seen[tensor.data_ptr()] = name
        unique[name] = tensor.detach().contiguous().cpu()
    save_file(unique, str(path))


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{path} cannot be read as safetensors ({exc}); restore it or train again.") from None


# Buffers later versions added whose zero default means "not there": a checkpoint saved before them still loads.
ADDED_SINCE_V1 = ("lexicon_keys", "lexicon_values", "lexicon_weight", "coverage_gate", "lexicon_everywhere",
                  "clause_reader", "negation_marks", "clause_guard", "clause_reader_turn", "wide_sublinear")
# Buffers later versions dropped: a checkpoint that has them still loads without them. The lexicon folded into the
# wide path's buckets read chance collisions as words; such a model loads with no lexicon (its weight then adds 0).
DROPPED = ("lexicon_valence",)


def load_state(module: torch.nn.Module, state: dict[str, torch.Tensor], source: Path) -> None:
    """Load weights saved by save_tensors into a module built from the same config (tied tensors re-tie)."""
    own = module.state_dict()
    missing, unexpected = module.load_state_dict(state, strict=False)
    tied = {n for n in missing if any(own[n].data_ptr() == own[s].data_ptr() for s in state if s in own)}
    added = {n for n in missing if n.startswith(ADDED_SINCE_V1)}        # an older checkpoint keeps their zero defaults
    unexpected = [n for n in unexpected if not n.startswith(DROPPED)]
    if set(missing) - tied - added or unexpected:
        raise CheckpointError(f"{source} does not fit this model (missing {sorted(set(missing) - tied)[:3]}, "
                              f"unexpected {unexpected[:3]}); it was saved by another version of reviewlens.")


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} cannot be read ({exc}); restore it or train again.") from None


def save_checkpoint(folder: Path, tensors: dict[str, torch.Tensor], config: dict, tokenizer, metrics: dict,
                    extra_files: dict[str, str] | None = None) -> Path:
    """Write a complete checkpoint folder atomically: files, then the manifest, then the rename."""
    with atomic_path(folder) as tmp:
        tmp.mkdir(parents=True)
        save_tensors(tensors, tmp / "model.safetensors")
        write_json(tmp / "config.json", config)
        write_json(tmp / "metrics.json", metrics)
        tokenizer.save(str(tmp / "tokenizer.json"))
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        write_manifest(tmp)
    return folder


@dataclass
class Checkpoint:
    folder: Path
    config: dict
    metrics: dict
    tokenizer: Tokenizer
    tensors: dict[str, torch.Tensor]


def load_checkpoint(folder: Path) -> Checkpoint:
    """A verified checkpoint; any missing, truncated or altered file raises CheckpointError first."""
    verify(folder)
    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises plain Exception subclasses
        raise CheckpointError(f"{folder / 'tokenizer.json'} cannot be loaded ({exc}).") from None
    return Checkpoint(folder, read_json(folder / "config.json"), read_json(folder / "metrics.json"),
                      tokenizer, load_tensors(folder / "model.safetensors"))
