"""Fitting the clause reader (models/clause_reader.py) on the hand-labelled clauses of the development set
(flows/training/data/dev_topics.jsonl: 700 validation reviews of the demo corpora, their clauses labelled by people,
as gold_topics.md says), read in their reviews as scoring reads them. The gold set (test split) is never used here.

The development reviews are base-corpus reviews, so a model trained with the base corpora (the default) always has
them; one trained without keeps no reader, and scores clauses as its review-level model does.

The full reader serves only stores of the verticals its clauses come from (clothing; Chinese hotels, devices, books:
the stores the apparel topic set is picked for). Fitted on all but one of those verticals and judged on the one left
out, and on the Fine Food store's hand-labelled clauses, it called positive clauses negative more often than the
review-level model: a clause's state means different things in different verticals. Any other store gets a portable
reader: the same fit without the clause's state, on what means the same in every vertical (the model's
probabilities for the clause and its review, the lexicon score), whose reading turns a clause against its review only
where the clause's lexicon score agrees (clause_reader.corroborated, which says what that is worth on three stores)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
import torch

from reviewlens.flows.training.base_corpora import BASE_ID_PREFIX
from reviewlens.models.classifier import NEG, SENTIMENTS
from reviewlens.models.clause_reader import complaint_shift, corroborated, fit_clause_reader, held_out_readings, lean_negative
from reviewlens.models.clauses import conceded_in
from reviewlens.models.inference import ReviewModel
from reviewlens.models.taxonomy import Taxonomy
from reviewlens.models.verticals import shipped_taxonomy

MIN_CLAUSES = 300           # fewer labelled clauses found in the corpus: no reader


def serves(taxonomy: Taxonomy) -> bool:
    """Whether a store with this topic set is of the verticals the development clauses come from: the apparel set's
    topics (models/topics.toml, or a file of the same topics)."""
    return taxonomy.ids == shipped_taxonomy("apparel").ids


def load_dev_clauses() -> dict[str, list[tuple[str, str]]]:
    """{review_id: [(clause text, sentiment), ...]}, each clause once; a clause labelled with two sentiments (toward
    two topics) is left out: it has no one sentiment to learn."""
    text = resources.files("reviewlens.flows.training").joinpath("data", "dev_topics.jsonl").read_text(encoding="utf-8")
    out = {}
    for row in map(json.loads, filter(None, text.splitlines())):
        said: dict[str, set[str]] = {}
        for clause, _topic, sentiment in row["clauses"]:
            said.setdefault(clause, set()).add(sentiment)
        out[row["review_id"]] = [(clause, s.pop()) for clause, s in said.items() if len(s) == 1]
    return out


def dev_clause_spans(frame: pd.DataFrame) -> tuple[list[str], list[list[tuple[int, int]]], np.ndarray]:
    """The development reviews the corpus holds (texts), each one's labelled clauses as character spans found in its
    text, and the clauses' sentiments (M,) in 0..2, in text order; a clause not found verbatim is left out. A review
    counts whether the store holds it (the demo) or the base corpora do (any other store)."""
    dev = load_dev_clauses()
    ids = frame["review_id"].str.removeprefix(BASE_ID_PREFIX)       # a demo review read from the base corpora
    rows = frame[ids.isin(dev)]
    texts, spans, labels = [], [], []
    for review_id, text in zip(ids[ids.isin(dev)], rows["body"]):
        starts = [(text.find(clause), clause, sentiment) for clause, sentiment in dev[review_id] if clause]
        found = sorted((at, at + len(clause), SENTIMENTS.index(sentiment)) for at, clause, sentiment in starts if at >= 0)
        if found:
            texts.append(text)
            spans.append([(s, e) for s, e, _ in found])
            labels += [label for *_, label in found]
    return texts, spans, np.array(labels, dtype=np.int64)


def fit_reader(model: ReviewModel, frame: pd.DataFrame, portable: bool = False) -> dict | None:
    """Fit the model's clause reader on the development clauses the corpus holds, leaning toward complaints as far as
    held-out accuracy allows (complaint_shift), and say what it is worth on clauses it did not see (5-fold): accuracy
    and negative recall of the clauses' sentiment as the review-level model gives it and as the reader decides it.
    None, and no reader, when the corpus holds fewer than MIN_CLAUSES of them. `portable`: a reader that reads no
    clause state (its weights there are zero) and turns a clause against its review only where the lexicon agrees,
    for stores of other verticals; its held-out figures are of that decision."""
    texts, spans, labels = dev_clause_spans(frame)
    if len(labels) < MIN_CLAUSES:
        return None
    probs, pooled, review_probs, lexicon = model.clause_readings(texts, spans)
    turns = np.array(conceded_in(texts, spans), dtype=np.float32)      # (M,) clauses their writers concede
    if portable:
        pooled = np.zeros_like(pooled)                                  # (M, C): nothing to learn, weights stay 0
    readings = held_out_readings(pooled, probs, review_probs, lexicon, labels, conceded=turns)
    shift = complaint_shift(readings, labels)
    held_out = torch.from_numpy(lean_negative(readings, shift))
    if portable:
        held_out = corroborated(held_out, *(torch.from_numpy(a) for a in (review_probs, lexicon)))
    held_out = held_out.argmax(1).numpy()
    model.classifier.set_reader(fit_clause_reader(pooled, probs, review_probs, lexicon, labels, negative_shift=shift,
                                                  conceded=turns))
    model.classifier.clause_guard.fill_(float(portable))
    before, negative = probs.argmax(1), labels == NEG
    return {"clauses": int(len(labels)), "reviews": len(texts), "conceded": int(turns.sum()), "negative_shift": shift,
            "portable": portable,
            "accuracy": {"model": float((before == labels).mean()), "reader": float((held_out == labels).mean())},
            "negative_recall": {"model": float((before[negative] == NEG).mean()),
                                "reader": float((held_out[negative] == NEG).mean())}}
