"""Topic discovery: cluster the embeddings of reviews no taxonomy topic covers, one language at a time, and name
each cluster by its distinctive words (class-based TF-IDF over each review's terms, models/terms.py: jieba words for
Chinese; the nightly run passes the terms review_terms already holds, so no review is segmented twice). A cluster
with no distinctive word is not a topic and is dropped."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans


@dataclass
class Candidate:
    size: int
    terms: list[str]
    example_indices: list[int]          # into the reviews given to discover()
    language: str = ""


def discover(embeddings: np.ndarray, terms: list[Collection[str]], languages: list[str] | None = None,
             n_clusters: int = 8, n_terms: int = 6, n_examples: int = 2, min_size: int = 10,
             seed: int = 0) -> list[Candidate]:
    """Clusters of at least min_size reviews of one language, largest first, each with distinctive terms and the
    reviews nearest its centre. `terms`: each review's distinct terms (models/terms.terms_of, review_terms.terms)."""
    languages = languages or [""] * len(terms)
    out = []
    for language in sorted(set(languages)):
        members = np.flatnonzero(np.asarray(languages) == language)
        k = min(n_clusters, len(members) // (2 * min_size))
        if k < 2:
            continue
        for c in _cluster(embeddings[members], [terms[i] for i in members], k, n_terms, n_examples, min_size, seed):
            out.append(Candidate(c.size, c.terms, members[c.example_indices].tolist(), language))
    return sorted(out, key=lambda c: -c.size)


def _cluster(embeddings: np.ndarray, term_sets: list[Collection[str]], k: int, n_terms: int, n_examples: int,
             min_size: int, seed: int) -> list[Candidate]:
    x = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(1e-8)
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
    vocab = sorted(set().union(*term_sets))
    if not vocab:
        return []
    index = {t: i for i, t in enumerate(vocab)}
    counts = np.zeros((k, len(vocab)))                                  # (clusters, terms): reviews with the term
    for label, terms in zip(km.labels_, term_sets):
        for t in terms:
            counts[label, index[t]] += 1
    sizes = np.bincount(km.labels_, minlength=k)[:, None]              # (clusters, 1)
    scores = distinctive_scores(counts, sizes)
    out = []
    for c in range(k):
        members = np.flatnonzero(km.labels_ == c)
        top = [vocab[i] for i in np.argsort(-scores[c])[:n_terms] if scores[c, i] > 0]
        if len(members) < min_size or not top:
            continue
        distance = np.linalg.norm(x[members] - km.cluster_centers_[c], axis=1)
        out.append(Candidate(len(members), top, members[np.argsort(distance)[:n_examples]]))
    return out


def distinctive_scores(counts: np.ndarray, sizes: np.ndarray, min_count: int = 3, min_lift: float = 1.5) -> np.ndarray:
    """Class-based TF-IDF of each term in each cluster, zero where the term is not distinctive: in fewer than
    min_count of the cluster's reviews, or under min_lift times as common in the cluster as in the other clusters.

    counts: (clusters, terms) reviews containing the term; sizes: (clusters, 1) reviews per cluster.

    >>> distinctive_scores(np.array([[5., 5.], [0., 5.]]), np.array([[10], [10]])).round(3)
    array([[0.458, 0.   ],
           [0.   , 0.   ]])
    """
    tf = counts / counts.sum(1, keepdims=True).clip(1)
    idf = np.log1p(counts.sum(1).mean() / counts.sum(0).clip(1))
    share = counts / sizes.clip(1)                                          # (clusters, terms)
    elsewhere = (counts.sum(0) - counts) / (sizes.sum() - sizes).clip(1)   # the term's share in the other clusters
    distinctive = (counts >= min_count) & (share >= min_lift * elsewhere)
    return tf * idf * distinctive
