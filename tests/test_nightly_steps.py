"""A night does each piece of work once, on a small real store with a really trained model: each step of the flow
runs once, the model scores each new review once (topic discovery clusters the embeddings the scoring pass kept),
and each review in the emerging-terms window is segmented once (the insight tables and topic discovery read the
words review_terms holds). A second run of the same night scores and segments nothing."""

from __future__ import annotations

import math
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps

import pytest
from prefect import Task

import reviewlens.flows.nightly.flow as flow_module
from reviewlens.flows.nightly.flow import nightly
from reviewlens.flows.store.connection import connect
from reviewlens.models.inference import ReviewModel
from reviewlens.models.terms import terms_of

pytestmark = pytest.mark.slow
RUN = date(2026, 11, 28)
SHARD_REVIEWS = 250
TERMS_DAYS = 35                       # the emerging-terms window (sql/terms/pending.sql)


class Calls:
    """What the wrapped functions were called with, by name; thread-safe (shards score in the task runner's thread)."""

    def __init__(self) -> None:
        self.steps: Counter[str] = Counter()
        self.scored: Counter[str] = Counter()          # texts the model scored
        self.segmented: Counter[str] = Counter()       # texts split into terms
        self._lock = threading.Lock()

    def add(self, counter: Counter[str], keys) -> None:
        with self._lock:
            counter.update(keys)

    def clear(self) -> None:
        for counter in (self.steps, self.scored, self.segmented):
            counter.clear()


def counted(function: Callable, on_call: Callable[[tuple], None]) -> Callable:
    """`function`, telling `on_call` its arguments first; it still does all its work (this is no mock)."""
    @wraps(function)
    def wrapper(*args, **kwargs):
        on_call(args)
        return function(*args, **kwargs)
    return wrapper


def count_everywhere(monkeypatch, function: Callable, on_call: Callable[[tuple], None]) -> None:
    """Count `function` wherever a reviewlens module binds it, so a step that starts calling it again from another
    module is counted too."""
    wrapper = counted(function, on_call)
    for module in [m for name, m in sys.modules.items() if name.startswith("reviewlens.")]:
        for attribute, value in list(vars(module).items()):
            if value is function:
                monkeypatch.setattr(module, attribute, wrapper)


@pytest.fixture
def calls(monkeypatch) -> Calls:
    """Every Prefect task of the nightly flow, the step functions they call, the model's scoring and the
    segmentation of texts into terms, counted."""
    from reviewlens.flows.nightly import insights, review_terms, topic_discovery
    from reviewlens.flows.scoring import shards, stream

    calls = Calls()
    for task in {v for v in vars(flow_module).values() if isinstance(v, Task)}:
        monkeypatch.setattr(task, "fn", counted(task.fn, lambda args, name=task.name: calls.add(calls.steps, [name])))
    for function in (review_terms.index_terms, insights.rebuild_insights, topic_discovery.discover_topics,
                     stream.score_in_shards, shards.plan_shards):
        count_everywhere(monkeypatch, function, lambda args, name=function.__name__: calls.add(calls.steps, [name]))
    monkeypatch.setattr(ReviewModel, "score", counted(ReviewModel.score, lambda args: calls.add(calls.scored, args[1])))
    count_everywhere(monkeypatch, terms_of, lambda args: calls.add(calls.segmented, [args[0]]))
    return calls


def column(settings, sql: str, *params) -> list:
    con = connect(settings.db_path, read_only=True)
    try:
        return [row[0] for row in con.execute(sql, list(params)).fetchall()]
    finally:
        con.close()


def test_a_night_runs_each_step_once_and_scores_and_segments_each_review_once(changed_trained_home, calls, monkeypatch):
    settings, summary = changed_trained_home
    monkeypatch.setenv("REVIEWLENS_SHARD_REVIEWS", str(SHARD_REVIEWS))
    to_score = column(settings, "SELECT body FROM reviews_to_score(?)", summary.version)
    in_terms_window = column(settings, "SELECT body FROM reviews WHERE created_at < ? AND created_at >= ?",
                             RUN + timedelta(days=1), RUN - timedelta(days=TERMS_DAYS - 1))
    assert len(set(to_score)) == len(to_score) > SHARD_REVIEWS > 0 and 0 < len(in_terms_window) < len(to_score)

    night = nightly(RUN, str(settings.home))

    assert night.scored == len(to_score)
    assert calls.steps == {
        "start_run": 1, "score_new_reviews": 1, "score_shard": math.ceil(len(to_score) / SHARD_REVIEWS),
        "index_review_terms": 1,
        "publish_insights": 1, "publish_dashboard": 1, "finish_run": 1, "publish_analyst_snapshot": 1,
        "score_in_shards": 1, "plan_shards": 1, "index_terms": 1, "rebuild_insights": 1, "discover_topics": 1,
    }
    assert calls.scored == Counter(to_score)                  # topic discovery scored nothing again
    assert calls.segmented == Counter(in_terms_window)        # nor did it, or the insights, segment again
    assert column(settings, "SELECT count(*) FROM review_embeddings")[0] > 0     # discovery had reviews to cluster


def test_a_second_run_of_the_night_scores_and_segments_nothing(changed_trained_home, calls):
    settings, _ = changed_trained_home
    nightly(RUN, str(settings.home))
    calls.clear()

    again = nightly(RUN, str(settings.home))

    assert again.scored == 0
    assert calls.steps["index_terms"] == calls.steps["rebuild_insights"] == calls.steps["discover_topics"] == 1
    assert calls.scored == Counter() and calls.segmented == Counter()
