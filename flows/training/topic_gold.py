"""Topic evaluation on the hand-labelled gold set (flows/training/data/gold_topics.jsonl, keyed by demo review ids),
each figure beside the simplest thing it must beat: topics beside the seed-word labeller that made their training
labels, aspect sentiment beside copying the review's own sentiment to every gold topic (what a model without aspects
would say if it knew the gold topics) and to every topic the model named (the same topics: what the aspect part adds)."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from reviewlens.models.inference import ReviewModel
from reviewlens.models.metrics import topic_f1
from reviewlens.models.taxonomy import SeedLabeller


def load_gold() -> dict[str, dict[str, str]]:
    """{review_id: {topic: sentiment}}; 610 demo reviews (310 English, 300 Chinese) from the test split, labelled as
    flows/training/data/gold_topics.md says."""
    text = resources.files("reviewlens.flows.training").joinpath("data", "gold_topics.jsonl").read_text(encoding="utf-8")
    return {row["review_id"]: row["topics"] for row in map(json.loads, text.splitlines()) if row}


def aspect_accuracy(gold: list[dict[str, str]], predicted: list[dict[str, str]]) -> dict:
    """Every gold (review, topic, sentiment) pair counted, neutral included: right when the prediction for that review
    names the topic with that sentiment, wrong when it names another or does not name the topic at all. Matched by
    topic within each review, so clause order does not matter. negative_recall: the share of the gold negative pairs
    found negative (the complaints an operator must see).

    >>> aspect_accuracy([{"size_fit": "negative", "material": "positive"}], [{"size_fit": "negative"}])
    {'pairs': 2, 'accuracy': 0.5, 'negative_pairs': 1, 'negative_found': 1, 'negative_recall': 1.0}
    """
    pairs = [(sentiment, said.get(topic)) for truth, said in zip(gold, predicted) for topic, sentiment in truth.items()]
    negative = [said for sentiment, said in pairs if sentiment == "negative"]
    found = sum(said == "negative" for said in negative)
    return {"pairs": len(pairs), "accuracy": sum(s == said for s, said in pairs) / len(pairs) if pairs else None,
            "negative_pairs": len(negative), "negative_found": found,
            "negative_recall": found / len(negative) if negative else None}


def evaluate_topics(model: ReviewModel, frame: pd.DataFrame) -> dict | None:
    """Topic micro/macro-F1 of the model and of the seed-word labeller; aspect accuracy over every gold pair of the
    model (each topic's sentiment as v_review_topics gives it) and of copying the model's review-level sentiment to
    every gold topic, and to every topic the model named, overall and per language. The first copy is handed the gold
    topics, so it bounds what any topic detector plus review sentiment can reach; the second has the model's own
    topics, so the two model figures differ only by the per-topic sentiment. None when the store lacks the demo
    reviews."""
    gold = load_gold()
    rows = frame[frame["review_id"].isin(gold)]
    if len(rows) < len(gold) // 2:
        return None
    return judge_topics(model, rows["body"].tolist(), [gold[i] for i in rows["review_id"]], rows["language"].tolist())


def judge_topics(model: ReviewModel, texts: list[str], truth: list[dict[str, str]],
                 languages: list[str] | None = None) -> dict:
    """evaluate_topics' figures for any texts with gold {topic: sentiment}: per language too when `languages` is
    given; `named` counts the topics the model and the seed words name."""
    scored = model.score(texts)
    labeller = SeedLabeller(model.taxonomy)
    seeds = [{model.taxonomy.ids[k] for k in labeller.topics_in(t)} for t in texts]
    said = {"model": [s.topic_sentiments() for s in scored],
            "copy_review_sentiment": [dict.fromkeys(t, s.sentiment) for t, s in zip(truth, scored)],
            "copy_onto_model_topics": [dict.fromkeys(s.topics, s.sentiment) for s in scored]}
    aspects = {}
    for who, predicted in said.items():
        aspects[who] = aspect_accuracy(truth, predicted)
        if languages is not None:
            aspects[who]["per_language"] = {
                language: aspect_accuracy([t for t, l in zip(truth, languages) if l == language],
                                          [p for p, l in zip(predicted, languages) if l == language])
                for language in sorted(set(languages))}
    return {"model": topic_f1([set(t) for t in truth], [set(s.topics) for s in scored], model.taxonomy.ids),
            "seed_words": topic_f1([set(t) for t in truth], seeds, model.taxonomy.ids), "aspects": aspects,
            "named": {"model": sum(len(s.topics) for s in scored), "seed_words": sum(map(len, seeds)),
                      "gold": sum(len(t) for t in truth)}}
