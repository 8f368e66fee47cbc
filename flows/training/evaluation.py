"""`reviewlens eval`: a registered model on today's fixed test split, or on the labelled rows of any review file, with
the calibrated TF-IDF baseline beside it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.ingest.demo_data import DemoDataError
from reviewlens.flows.ingest.files import ingest_file, parse_mapping
from reviewlens.flows.ingest.rating_scale import RatingScale
from reviewlens.flows.training.behaviour import generate_cases
from reviewlens.flows.training.behaviour_report import behaviour_report
from reviewlens.flows.training.cross_domain import ROTTEN_TOMATOES_SOURCE, fetch_snippets, read_snippets
from reviewlens.flows.training.pretrain_step import Corpus, training_corpus
from reviewlens.models.presets import PRESETS
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.store.registry import model_folder
from reviewlens.flows.store.connection import connect, sql_text
from reviewlens.flows.training.topic_gold import evaluate_topics
from reviewlens.flows.training.finetune_step import LANGUAGES, evaluate, held_out_figures, split_baseline, targets
from reviewlens.models.baseline import fit_predict
from reviewlens.models.classifier import NEG, POS
from reviewlens.models.finetune import sentiment_targets
from reviewlens.models.inference import ReviewModel
from reviewlens.models.splits import normalise

console = Console(stderr=True)


def trained_corpus(settings: Settings, folder: Path) -> Corpus:
    """The corpus the model in `folder` learned from: the store's reviews, with the base corpora when it learned from
    them (its config says so; a model saved before it did, as its preset would), so the baseline beside it learns from
    the same rows and the splits are the ones it was trained and tested on."""
    config = json.loads((folder / "config.json").read_text())
    preset = PRESETS.get(config.get("preset", ""))
    with_base = config.get("base_corpora", preset.base_corpora if preset else False)
    return training_corpus(settings.db_path, settings.cache_dir if with_base else None)


def evaluate_version(settings: Settings, version: str | None) -> dict:
    """A model's figures on the store's fixed test split, its topics, the cross-domain check and the behavioural suite,
    all measured now, scoring as the nightly run scores; the ablations', pretraining's and clause reader's figures as
    stored when it was trained."""
    folder = model_folder(settings, version)
    model = ScoringProfile.from_settings(settings).load(folder)
    frame = trained_corpus(settings, folder).frame
    metrics = held_out_figures(model, frame[frame["split"] == "test"], split_baseline(frame))
    topics = evaluate_topics(model, frame)
    if topics is not None:
        metrics["topics"] = topics
    cross = cross_domain_check(settings.cache_dir, model, frame[frame["split"] == "train"])
    if cross is not None:
        metrics["cross_domain"] = cross
    metrics["behaviour"] = behaviour_report(model, generate_cases())
    stored = json.loads((folder / "metrics.json").read_text())
    for key in ("random_init", "wide_only", "pretrain", "clause_reader"):   # measured while training, not here
        if key in stored:
            metrics[key] = stored[key]
    return metrics


def evaluate_file(settings: Settings, path: Path, columns: list[str], fmt: str | None, version: str | None,
                  date_format: str | None = None, rating_scale: RatingScale | None = None) -> dict:
    """A model and the TF-IDF baseline (trained on the model's training rows, calibrated on validation) judged on
    the labelled rows of a review file, read and validated as ingest would read them; the store is not written.
    Gold sentiment is the file's `label`, else its `rating` (1-2 negative, 3 neutral, 4-5 positive, after
    `rating_scale`), as in training."""
    rows, counts = read_review_file(path, parse_mapping(columns), fmt, settings, date_format, rating_scale)
    if rows.empty and counts["rejected"]:
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(counts["rejected"].items()))
        raise UserError(f"none of the {counts['read']:,} rows of {path.name} could be read as reviews (rejected: "
                        f"{reasons}); the lines above say why and how to fix it.")
    y, _ = targets(rows)
    counts["without label or rating"] = int((y < 0).sum())
    in_language = rows["language"].isin(LANGUAGES).to_numpy()
    counts["other languages"] = int(((y >= 0) & ~in_language).sum())
    judged = rows[(y >= 0) & in_language]
    if judged.empty:
        raise UserError(f"{path.name} has no English or Chinese review with a label or a rating to judge against; "
                        "map yours with --column label=YOUR_COLUMN or --column rating=YOUR_COLUMN.")
    folder = model_folder(settings, version)
    model = ScoringProfile.from_settings(settings).load(folder)
    frame = trained_corpus(settings, folder).frame
    trained_on = {normalise(text) for text in frame.loc[frame["split"] == "train", "body"]}
    counts["judged"] = len(judged)
    counts["in the store's training split"] = sum(normalise(text) in trained_on for text in judged["body"])
    return {"sentiment": evaluate(model, judged, split_baseline(frame)), "input": counts}


def read_review_file(path: Path, mapping: dict[str, str], fmt: str | None, settings: Settings,
                     date_format: str | None = None, rating_scale: RatingScale | None = None) -> tuple[pd.DataFrame, dict]:
    """The rows of a file that `reviewlens ingest` would load (corpus.sql's columns), found by ingesting it into a
    scratch store deleted afterwards: its rows are read and validated exactly as ingest's, and the workspace's store
    is not written; and how many rows were read, rejected (by reason) and duplicate ids."""
    with tempfile.TemporaryDirectory(prefix="reviewlens-eval-") as scratch:
        con = connect(Path(scratch) / "scratch.duckdb", settings=settings)
        try:
            summary = ingest_file(con, path, mapping, None, fmt, date_format=date_format, rating_scale=rating_scale)
            rows = con.execute(sql_text("corpus.sql")).fetchdf()
        finally:
            con.close()
    return rows, {"read": summary.rows, "rejected": dict(summary.rejected), "duplicate ids": summary.duplicates_in_file}


def binary_accuracy(p_negative: np.ndarray, p_positive: np.ndarray, positive: np.ndarray) -> float:
    """Share of rows where the larger of p_negative and p_positive names the gold polarity (a tie says negative).

    binary_accuracy(np.array([0.7, 0.2]), np.array([0.1, 0.5]), np.array([False, False])) -> 0.5
    """
    return float(np.mean((p_positive > p_negative) == positive))


def english_training_rows(train: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Texts and sentiment classes of the labelled English rows, labelled as the model learns them."""
    english = train[train["language"] == "en"]
    y, _ = sentiment_targets(english["label"].tolist(), english["rating"].tolist(), english["source"].tolist())
    return english["body"][y >= 0].tolist(), y[y >= 0]


def cross_domain_accuracy(model: ReviewModel | None, train: pd.DataFrame, snippets: pd.DataFrame) -> dict:
    """Binary accuracy on out-of-domain snippets (`text`, `label` positive/negative) of the model and of the
    TF-IDF + LR baseline fitted on the English rows of `train`; without a model, no `model_accuracy`."""
    train_texts, train_y = english_training_rows(train)
    texts, positive = snippets["text"].tolist(), (snippets["label"] == "positive").to_numpy()
    _, proba = fit_predict("en", train_texts, train_y, texts)
    full = np.zeros((len(texts), 3))
    full[:, sorted(set(train_y.tolist()))] = proba            # columns = sentiments seen in training
    out = {"n": len(texts), "baseline_accuracy": binary_accuracy(full[:, NEG], full[:, POS], positive)}
    if model is not None:
        probs = np.stack([s.probs for s in model.score(texts, aspects=False, embeddings=False)])   # (N, 3)
        out["model_accuracy"] = binary_accuracy(probs[:, NEG], probs[:, POS], positive)
    return out


def cross_domain_check(cache_dir: Path, model: ReviewModel, train: pd.DataFrame) -> dict | None:
    """The cross-domain figures, or None after one yellow line when the snippets cannot be fetched (offline)
    or there are no English training rows with two sentiments to compare against."""
    if len(set(english_training_rows(train)[1].tolist())) < 2:
        return _skipped("the store has no labelled English reviews of two sentiments to train the baseline on.")
    try:
        path = fetch_snippets(cache_dir)
    except DemoDataError as error:
        return _skipped(str(error))
    return {**cross_domain_accuracy(model, train, read_snippets(path)), "source": ROTTEN_TOMATOES_SOURCE}


def _skipped(reason: str) -> None:
    console.print(f"cross-domain check skipped, nothing recorded: {reason}", style="yellow", markup=False,
                  highlight=False, soft_wrap=True)
    return None
