"""Topic discovery: cluster the embeddings of reviews no taxonomy topic covers, name clusters by c-TF-IDF."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from reviewlens.models.terms import terms_of


@dataclass
class Candidate:
    size: int
    terms: list[str]
    example_indices: list[int]


def discover(embeddings: np.ndarray, texts: list[str], n_clusters: int = 8, n_terms: int = 6, n_examples: int = 3,
             min_size: int = 10, seed: int = 0) -> list[Candidate]:
    """Clusters of at least min_size reviews, largest first, each with distinctive terms and central examples."""
    if len(texts) < max(min_size, n_clusters) * 2:
        return []
    x = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(1e-8)
    km = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed).fit(x)
    term_sets = [terms_of(t) for t in texts]
    vocab = sorted(set().union(*term_sets))
    index = {t: i for i, t in enumerate(vocab)}
    counts = np.zeros((n_clusters, len(vocab)))
    for label, terms in zip(km.labels_, term_sets):
        for t in terms:
            counts[label, index[t]] += 1
    # class-based TF-IDF: term frequency within the cluster x log(1 + average cluster size / term frequency overall)
    tf = counts / counts.sum(1, keepdims=True).clip(1)
    idf = np.log1p(counts.sum(1).mean() / counts.sum(0).clip(1))
    scores = tf * idf * (counts >= 3)
    out = []
    for c in range(n_clusters):
        members = np.flatnonzero(km.labels_ == c)
        if len(members) < min_size:
            continue
        distance = np.linalg.norm(x[members] - km.cluster_centers_[c], axis=1)
        top = [vocab[i] for i in np.argsort(-scores[c])[:n_terms] if scores[c, i] > 0]
        out.append(Candidate(len(members), top, members[np.argsort(distance)[:n_examples]].tolist()))
    return sorted(out, key=lambda c: -c.size)
