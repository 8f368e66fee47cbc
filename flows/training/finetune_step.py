"""Training steps between the store and models/: labelled splits, fine-tuning with calibration, evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from rich.console import Console

from reviewlens.flows.training.base_corpora import is_base
from reviewlens.flows.training.pretrain_step import training_progress
from reviewlens.models.baseline import Baseline
from reviewlens.models.calibration import calibrate
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.clauses import split_clauses
from reviewlens.models.sentiment_report import gap_noise, sentiment_report
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune, sentiment_targets
from reviewlens.models.inference import ReviewModel
from reviewlens.models.taxonomy import SeedLabeller
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.tokenizer import encode

LANGUAGES = ("zh", "en")                   # the languages sentiment figures are reported for


def labelled(frame: pd.DataFrame, tokenizer, labeller: SeedLabeller, max_len: int) -> Labelled:
    """Reviews with their targets, and the clauses of multi-clause reviews with seed labels of their own (a topic's
    context words label a review, not a clause: models/taxonomy.SeedLabeller)."""
    bodies = frame["body"].tolist()
    sentiment, binary = targets(frame)
    clause_texts, owner = review_clauses(bodies, max_len)
    return Labelled(encode(tokenizer, bodies, max_len), sentiment, binary, labeller.labels(bodies),
                    encode(tokenizer, clause_texts, max_len), np.array(owner, dtype=np.int64),
                    SeedLabeller(labeller.taxonomy, clauses=True).labels(clause_texts),
                    is_base(frame["source"]).to_numpy())


def review_clauses(texts: list[str], max_len: int, max_clauses: int = 6) -> tuple[list[str], list[int]]:
    """Clause texts of the multi-clause reviews and the review each belongs to. A review contributes its
    first clauses up to max_clauses and about max_len characters, so clauses at most double the cost of training."""
    clauses, owner = [], []
    for i, text in enumerate(texts):
        spans = split_clauses(text)
        if len(spans) < 2:
            continue
        used = 0
        for s, e in spans[:max_clauses]:
            if used >= max_len:
                break
            clauses.append(text[s:e])
            owner.append(i)
            used += e - s
    return clauses, owner


def train_classifier(train: Labelled, val: Labelled, encoder_cfg: EncoderConfig, cfg: FinetuneConfig, n_topics: int,
                     encoder_state: dict | None, console: Console, label: str, device: str = "auto",
                     lexicon: tuple[torch.Tensor, torch.Tensor] | None = None) -> ReviewClassifier:
    """Fine-tune with a progress bar, then fit bias, temperature and topic thresholds on validation; `lexicon`
    (keys, valences; models/lexicon.lexicon_table) is the prior the model carries."""
    with training_progress(console) as progress:
        task = progress.add_task(f"fine-tuning ({label})", total=1, loss=float("nan"), tps=0.0)
        def on_step(step: int, total: int, loss: float, tps: float) -> None:
            progress.update(task, total=total, completed=step + 1, loss=loss, tps=tps)
        model = finetune(train, encoder_cfg, cfg, n_topics, encoder_state, on_step, device, lexicon)
    if model.wide_buckets:
        model.coverage_gate.fill_(1.0)                     # the wide path speaks in proportion to what it has seen
        model.lexicon_everywhere.fill_(1.0)                # and the lexicon on every text (calibrate fits its weight so)
    calibrate(model, val)
    return model


def targets(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment class of each row (gold label, else rating; -1 for neither) and whether its label is binary."""
    return sentiment_targets(rows["label"].tolist(), rows["rating"].tolist(), rows["source"].tolist())


def split_baseline(frame: pd.DataFrame) -> Baseline:
    """The TF-IDF baseline trained on the training split and calibrated on validation, as the model is."""
    train, val = frame[frame["split"] == "train"], frame[frame["split"] == "val"]
    y, _ = targets(train)
    in_language = {language: (train["language"] == language).to_numpy() for language in LANGUAGES}
    baseline = Baseline.fit({language: (train["body"][rows].tolist(), y[rows]) for language, rows in in_language.items()})
    baseline.calibrate(val["body"].tolist(), val["language"].tolist(), *targets(val), is_base(val["source"]).to_numpy())
    return baseline


def figures(rows: pd.DataFrame, probs: dict[str, np.ndarray]) -> dict:
    """Per language, the report of each named set of probabilities (N, 3) on the labelled rows. A language is
    scored over negative/positive when all its labels come from binary sources (the Chinese corpus), else over
    all three classes."""
    y, binary = targets(rows)
    out: dict = {}
    for language in LANGUAGES:
        keep = (rows["language"] == language).to_numpy() & (y >= 0)
        if keep.any():
            out[language] = {name: sentiment_report(y[keep], p[keep], bool(binary[keep].all())) for name, p in probs.items()}
            if "baseline" in probs:
                out[language]["baseline_gap_se"] = gap_noise(y[keep], probs["model"][keep], probs["baseline"][keep],
                                                             bool(binary[keep].all()))
    return out


def evaluate(model: ReviewModel, rows: pd.DataFrame, baseline: Baseline | None = None) -> dict:
    """Per-language sentiment figures of the model on rows (a split, or a file's labelled rows), ECE before and after
    calibration, and the baseline beside them where it has a model for the language. The model scores as it was
    loaded or readied (its precision and batch budget): the figures are those of the model as the nightly run scores."""
    return _figures_of(rows, _probabilities(model, rows, baseline), baseline)


def held_out_figures(model: ReviewModel, split: pd.DataFrame, baseline: Baseline | None) -> dict:
    """The metrics entries of a held-out split: {"sentiment": evaluate() on it}, and "store": the same on the store's
    own rows of it where it also holds base-corpus rows and the store has labelled rows in it: on a small store the
    split's figures are mostly the base corpora's, and a user wants to see their own reviews'. Where none of the
    store's rows there carry a label, "store_unjudged" counts them instead: every figure is then the base corpora's,
    and the report must say so (a store of drug reviews was shown 0.83 accuracy, its clothing test rows', where drug
    reviews read at macro-F1 0.43). Each row is scored once for both."""
    probs = _probabilities(model, split, baseline)
    out = {"sentiment": _figures_of(split, probs, baseline)}
    own = ~is_base(split["source"]).to_numpy()
    if not own.all():
        if mine := _figures_of(split[own], {name: p[own] for name, p in probs.items()}, baseline):
            out["store"] = mine
        else:
            out["store_unjudged"] = int(own.sum())      # the store's rows of the split, none of them labelled
    return out


def _probabilities(model: ReviewModel, rows: pd.DataFrame, baseline: Baseline | None) -> dict[str, np.ndarray]:
    """(N, 3) per scorer: the model calibrated and raw, and the baseline when there is one."""
    logits = torch.from_numpy(model.predict(rows["body"].tolist())[0])
    probs = {"model": model.classifier.calibrated(logits).numpy(), "raw": torch.softmax(logits, -1).numpy()}
    if baseline is not None:
        probs["baseline"] = baseline.probs(rows["body"].tolist(), rows["language"].tolist())
    return probs


def _figures_of(rows: pd.DataFrame, probs: dict[str, np.ndarray], baseline: Baseline | None) -> dict:
    out = figures(rows, probs)
    for language, entry in out.items():
        entry["ece_before_calibration"] = entry.pop("raw").get("ece")
        if baseline is not None and language not in baseline.languages:
            del entry["baseline"], entry["baseline_gap_se"]
    return out
