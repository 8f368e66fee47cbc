"""Training steps between the store and models/: labelled splits, fine-tuning with calibration, evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from rich.console import Console

from reviewlens.flows.training.pretrain_step import training_progress
from reviewlens.models.calibration import fit_bias, fit_mix, fit_temperature
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.clauses import split_clauses
from reviewlens.models.sentiment_report import baseline_report, sentiment_report
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune, predict_logits, sentiment_targets
from reviewlens.models.inference import ReviewModel
from reviewlens.models.metrics import ece, f1
from reviewlens.models.taxonomy import SeedLabeller
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.tokenizer import encode

LANGUAGES = {"zh": True, "en": False}      # language -> gold labels are binary


def labelled(frame: pd.DataFrame, tokenizer, labeller: SeedLabeller, max_len: int) -> Labelled:
    """Reviews with their targets, and the clauses of multi-clause reviews with seed labels of their own."""
    bodies = frame["body"].tolist()
    sentiment, binary = sentiment_targets(frame["label"].tolist(), frame["rating"].tolist(), frame["source"].tolist())
    clause_texts, owner = review_clauses(bodies, max_len)
    return Labelled(encode(tokenizer, bodies, max_len), sentiment, binary, labeller.labels(bodies),
                    encode(tokenizer, clause_texts, max_len), np.array(owner, dtype=np.int64), labeller.labels(clause_texts))


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
                     encoder_state: dict | None, console: Console, label: str, device: str = "auto") -> ReviewClassifier:
    """Fine-tune with a progress bar, then fit bias, temperature and topic thresholds on validation."""
    with training_progress(console) as progress:
        task = progress.add_task(f"fine-tuning ({label})", total=1, loss=float("nan"), tps=0.0)
        def on_step(step: int, total: int, loss: float, tps: float) -> None:
            progress.update(task, total=total, completed=step + 1, loss=loss, tps=tps)
        model = finetune(train, encoder_cfg, cfg, n_topics, encoder_state, on_step, device)
    calibrate(model, val)
    return model


def calibrate(model: ReviewClassifier, val: Labelled) -> dict:
    """On validation: the deep/wide mix (when both parts are trained), the per-class bias, the temperature
    and the per-topic thresholds, in that order (each is fitted on the decisions the previous ones make)."""
    if model.wide_buckets and float(model.mix[0]) > 0:
        parts = []
        for weights in ([1.0, 0.0], [0.0, 1.0]):
            model.mix.copy_(torch.tensor(weights))
            parts.append(predict_logits(model, val.sequences)[0])
        model.mix.copy_(torch.from_numpy(fit_mix(*parts, val.sentiment, val.binary)))
    logits, topic_probs, _ = predict_logits(model, val.sequences)
    bias = fit_bias(logits, val.sentiment, val.binary)
    temperature = fit_temperature(logits + bias, val.sentiment, val.binary)
    model.sentiment_bias.copy_(torch.from_numpy(bias))
    model.temperature.fill_(temperature)
    model.topic_threshold.copy_(torch.from_numpy(topic_thresholds(topic_probs, val.topics)))
    return {"mix": model.mix.tolist(), "bias": bias.tolist(), "temperature": temperature}


def topic_thresholds(probs: np.ndarray, weak: np.ndarray, grid: np.ndarray = np.linspace(0.1, 0.9, 17)) -> np.ndarray:
    """Per topic, the threshold with the best F1 against the weak labels (0.5 for topics with no positives)."""
    out = np.full(probs.shape[1], 0.5, dtype=np.float32)
    for k in range(probs.shape[1]):
        truth = weak[:, k] > 0.5
        if truth.sum() < 5:
            continue
        pred = probs[:, k, None] >= grid                               # (N, thresholds)
        tp = (pred & truth[:, None]).sum(0)
        out[k] = grid[int(np.argmax(f1(tp, pred.sum(0) - tp, truth.sum() - tp)))]
    return out


def evaluate(model: ReviewModel, train: pd.DataFrame, test: pd.DataFrame, with_baseline: bool = True) -> dict:
    """Per-language sentiment figures on the fixed test split, the baseline beside them, ECE before/after."""
    y_test, _ = sentiment_targets(test["label"].tolist(), test["rating"].tolist(), test["source"].tolist())
    y_train, _ = sentiment_targets(train["label"].tolist(), train["rating"].tolist(), train["source"].tolist())
    sequences = encode(model.tokenizer, test["body"].tolist(), model.max_len)
    logits, _, _ = predict_logits(model.classifier, sequences)
    raw = torch.softmax(torch.from_numpy(logits), -1).numpy()
    calibrated = model.classifier.calibrated(torch.from_numpy(logits)).numpy()
    out: dict = {}
    for language, binary in LANGUAGES.items():
        rows = (test["language"] == language).to_numpy() & (y_test >= 0)
        if rows.sum() == 0:
            continue
        entry = {"model": sentiment_report(y_test[rows], calibrated[rows], binary)}
        if not binary:
            entry["ece_before_calibration"] = ece(raw[rows], y_test[rows])
        else:
            before = sentiment_report(y_test[rows], raw[rows], binary)
            entry["ece_before_calibration"] = before.get("ece")
        if with_baseline:
            train_rows = (train["language"] == language).to_numpy()
            entry["baseline"] = baseline_report(train.loc[train_rows, "body"].tolist(), y_train[train_rows],
                                                test.loc[rows, "body"].tolist(), y_test[rows], language, binary)
        out[language] = entry
    return out
