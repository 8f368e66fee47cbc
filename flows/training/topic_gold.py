"""Topic evaluation on the hand-checked gold set (flows/data/gold_topics.jsonl, keyed by demo review ids)."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from reviewlens.models.inference import ReviewModel
from reviewlens.models.metrics import topic_f1
from reviewlens.models.taxonomy import SeedLabeller


def load_gold() -> dict[str, dict[str, str]]:
    """{review_id: {topic: sentiment}}; 210 demo reviews (110 English, 100 Chinese) from the test split."""
    text = resources.files("reviewlens.flows.training").joinpath("data", "gold_topics.jsonl").read_text(encoding="utf-8")
    return {row["review_id"]: row["topics"] for row in map(json.loads, text.splitlines()) if row}


def evaluate_topics(model: ReviewModel, frame: pd.DataFrame) -> dict | None:
    """Model and seed-word labeller against the gold set (None when the store lacks the demo reviews)."""
    gold = load_gold()
    rows = frame[frame["review_id"].isin(gold)]
    if len(rows) < len(gold) // 2:
        return None
    texts, ids = rows["body"].tolist(), rows["review_id"].tolist()
    truth = [set(gold[i]) for i in ids]
    scored = model.score(texts)
    labeller = SeedLabeller(model.taxonomy)
    seeds = [{model.taxonomy.ids[k] for k in labeller.topics_in(t)} for t in texts]
    out = {"model": topic_f1(truth, [set(s.topics) for s in scored], model.taxonomy.ids),
           "seed_words": topic_f1(truth, seeds, model.taxonomy.ids)}
    right = total = 0
    for rid, s in zip(ids, scored):
        aspects = {a.topic: a.sentiment for a in s.aspects}
        for topic, sentiment in gold[rid].items():
            if sentiment != "neutral" and topic in s.topics:
                total += 1
                right += aspects.get(topic, s.sentiment) == sentiment
    out["aspect_sentiment_accuracy"] = right / total if total else None
    out["aspect_pairs"] = total
    return out
