"""Pretraining from the store: corpus out of DuckDB, tokenizer, MLM with a progress bar, verified checkpoint."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import connect, sql_text
from reviewlens.flows.training.base_corpora import base_rows, store_labels_that_teach, trains_only, warn
from reviewlens.models.checkpoint import save_checkpoint
from reviewlens.models.encoder import MaskedLM
from reviewlens.models.masking import continuation_table
from reviewlens.models.presets import PRESETS, Preset
from reviewlens.models.pretrain import evaluate_mlm, pretrain
from reviewlens.models.splits import dedupe, split_of
from reviewlens.models.tokenizer import encode, load_tokenizer, train_tokenizer, unk_rate


@dataclass
class Corpus:
    frame: pd.DataFrame          # review_id, body, language, rating, label, split (deduplicated)
    fingerprint: str             # sha256 over ids and texts, recorded with every model


def training_corpus(db_path: Path, cache_dir: Path | None = None) -> Corpus:
    """What a model learns from: every stored review and, given a cache folder, the base corpora's rows."""
    return load_corpus(db_path, None if cache_dir is None else base_rows(cache_dir))


def load_corpus(db_path: Path, base: pd.DataFrame | None = None) -> Corpus:
    """Every review of the store, then the base corpora's rows (flows/training/base_corpora.py) when given,
    deduplicated by normalised text (the store's copy of a text is kept), each with its fixed split; with a base,
    a store too skewed to teach sentiment keeps its labels for judging only (store_labels_that_teach)."""
    con = connect(db_path, read_only=True)
    try:
        frame = con.execute(sql_text("corpus.sql")).fetchdf()
    finally:
        con.close()
    if frame.empty:
        raise UserError(f"{db_path} has no reviews to train on; run `reviewlens ingest` or `reviewlens demo-data` first.")
    if base is not None and len(base):
        frame = pd.concat([frame, base[frame.columns]], ignore_index=True)
    frame = frame.iloc[dedupe(frame["body"].tolist())].reset_index(drop=True)
    frame["split"] = [split_of(t) for t in frame["body"]]
    frame.loc[trains_only(frame["source"]), "split"] = "train"
    frame, why = store_labels_that_teach(frame)
    if why:
        warn(why)
    digest = hashlib.sha256()
    for rid, body in zip(frame["review_id"], frame["body"]):
        digest.update(rid.encode() + b"\0" + body.encode() + b"\0")
    return Corpus(frame, digest.hexdigest())


def training_progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("loss {task.fields[loss]:.3f} · {task.fields[tps]:,.0f} tok/s"), TimeRemainingColumn(),
                    console=console, transient=False)


def run_pretraining(models_dir: Path, corpus: Corpus, preset: Preset, console: Console, extra_texts: list[str] | None = None,
                    device: str = "auto") -> Path:
    """Tokenizer + MLM pretraining on the train and val texts; held-out test texts give the metrics.

    An interrupted run resumes from its last checkpoint (same preset, same data). extra_texts (unlabelled
    text, such as general prose in the reviews' languages) join the tokenizer and MLM corpus, never the evaluation.
    """
    extra_texts = extra_texts or []
    started = time.perf_counter()
    frame = corpus.frame
    train = frame[frame["split"] != "test"]
    held_out = frame[frame["split"] == "test"]
    data_key = hashlib.sha256("\0".join([corpus.fingerprint, *extra_texts]).encode()).hexdigest()[:12]
    state_dir = models_dir / "pretrain-state" / f"{preset.name}-s{preset.pretrain.seed}-{data_key}"
    state_dir.mkdir(parents=True, exist_ok=True)
    if (state_dir / "tokenizer.json").exists():
        tokenizer = load_tokenizer(state_dir / "tokenizer.json")
    else:
        tokenizer = train_tokenizer(train["body"].tolist() + extra_texts, preset.vocab_size)
        tokenizer.save(str(state_dir / "tokenizer.json"))
    encoder_cfg = replace(preset.encoder, vocab_size=tokenizer.get_vocab_size())
    max_len = encoder_cfg.max_len
    continuation = continuation_table(tokenizer)
    if preset.pretrain.steps == 0:              # the preset trains from random init: the tokenizer is all we need
        console.print(f"pretraining ({preset.name}): tokenizer trained; the preset runs no MLM steps")
        model, history = MaskedLM(encoder_cfg).eval(), []
    else:
        sequences = encode(tokenizer, train["body"].tolist() + extra_texts, max_len)
        resuming = (state_dir / "mlm" / "state.json").exists()
        with training_progress(console) as progress:
            task = progress.add_task(f"pretraining ({preset.name}{', resumed' if resuming else ''})",
                                     total=preset.pretrain.steps, loss=float("nan"), tps=0.0)
            def on_step(step: int, loss: float, tps: float) -> None:
                progress.update(task, completed=step + 1, loss=loss, tps=tps)
            model, history = pretrain(sequences, encoder_cfg, preset.pretrain, continuation, state_dir / "mlm", on_step,
                                      device=device)
    metrics = {"pretrain": {"seconds": round(time.perf_counter() - started, 1), "steps": preset.pretrain.steps,
                            "train_texts": len(train), "extra_texts": len(extra_texts), "loss_curve": history[:: max(1, len(history) // 200)]}}
    for language, group in held_out.groupby("language") if preset.pretrain.steps else ():   # nothing learnt to measure
        texts = group["body"].tolist()
        metrics["pretrain"][language] = {
            **evaluate_mlm(model, encode(tokenizer, texts, max_len), continuation),
            "unk_rate": unk_rate(tokenizer, texts),
        }
    version = f"mlm-{preset.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    config = {"kind": "mlm", "preset": preset.name, "encoder": encoder_cfg.to_dict(),
              "pretrain": preset.pretrain.to_dict(), "data_fingerprint": corpus.fingerprint}
    folder = save_checkpoint(models_dir / "pretrained" / version, model.state_dict(), config, tokenizer, metrics)
    shutil.rmtree(state_dir, ignore_errors=True)
    return folder


def preset_named(name: str) -> Preset:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[name]
