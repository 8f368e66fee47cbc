"""Topic discovery: clusters of one language each, named by distinctive words, two example reviews each;
a cluster with no distinctive word is dropped."""

from __future__ import annotations

import numpy as np

from reviewlens.models.clustering import discover
from reviewlens.models.terms import terms_of

GROUPS = [  # (language, texts of the group): each group gets its own direction in embedding space
    ("en", [f"The zipper broke on day {i}, zipper stuck" for i in range(30)]),
    ("en", [f"Lovely linen blouse number {i}, breathable linen" for i in range(30)]),
    ("en", [f"It is what it is, and that is that {i}" for i in range(30)]),           # stop words only: no terms
    ("zh", [f"酒店早餐丰富，早餐种类多{i}" for i in range(30)]),
    ("zh", [f"电脑散热不好，风扇噪音大{i}" for i in range(30)]),
]


def corpus(seed: int = 0) -> tuple[np.ndarray, list[set[str]], list[str]]:
    """Embeddings, each review's terms (as review_terms holds them), languages."""
    rng = np.random.default_rng(seed)
    directions = np.eye(16)
    embeddings, terms, languages = [], [], []
    for k, (language, group) in enumerate(GROUPS):
        embeddings += [directions[k] + rng.normal(0, 0.05, 16) for _ in group]
        terms += [terms_of(text) for text in group]
        languages += [language] * len(group)
    return np.array(embeddings), terms, languages


def test_each_candidate_is_one_language_with_words_and_two_examples():
    embeddings, terms, languages = corpus()
    found = discover(embeddings, terms, languages, n_clusters=3)
    assert found and all(c.terms for c in found)
    for c in found:
        assert len(c.example_indices) == 2
        assert {languages[i] for i in c.example_indices} == {c.language}
    named = {c.language: set() for c in found}
    for c in found:
        named[c.language] |= set(c.terms)
    assert {"zipper", "linen"} <= named["en"] and {"早餐", "散热"} <= named["zh"]


def test_a_cluster_without_distinctive_words_is_dropped():
    embeddings, terms, languages = corpus()
    found = discover(embeddings, terms, languages, n_clusters=3)
    stop_only = set(range(60, 90))
    assert not any(set(c.example_indices) & stop_only for c in found)
    assert sum(c.size for c in found if c.language == "en") == 60


def test_too_few_reviews_of_a_language_give_no_candidates_for_it():
    embeddings, terms, languages = corpus()
    keep = list(range(90)) + list(range(90, 100))          # ten Chinese reviews: not enough to cluster
    found = discover(embeddings[keep], [terms[i] for i in keep], [languages[i] for i in keep], n_clusters=3)
    assert {c.language for c in found} == {"en"}
