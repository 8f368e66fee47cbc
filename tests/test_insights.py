"""Insight tables and alerts: known answers on hand-built scored reviews."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from reviewlens.flows.config import Settings
from reviewlens.flows.nightly.insights import RANKING_DAYS, rebuild_insights
from reviewlens.flows.nightly.review_terms import index_terms
from reviewlens.flows.store.connection import query
from reviewlens.models.terms import STOP_WORDS
from tests.helpers import insight_tables

RUN = date(2026, 11, 28)


def add(con, rows: list[dict], aspects: list[dict] | None = None) -> None:
    """Insert reviews with their scores under the active model 'm1'."""
    reviews = pd.DataFrame([{
        "review_id": r["id"], "product_id": r.get("product", "p1"), "category": r.get("category", "Dresses"),
        "rating": r.get("rating"), "title": None, "body": r.get("body", f"review {r['id']} about the dress"),
        "language": "en", "created_at": datetime.combine(RUN, datetime.min.time()) - timedelta(days=r["age"], hours=-12),
        "label": None, "source": "test", "ingested_at": datetime.now(),
    } for r in rows])
    p = {"negative": (0.9, 0.05, 0.05), "neutral": (0.1, 0.8, 0.1), "positive": (0.05, 0.05, 0.9)}
    scores = pd.DataFrame([{
        "review_id": r["id"], "model_version": "m1", "sentiment": r["s"], "p_negative": p[r["s"]][0], "p_neutral": p[r["s"]][1],
        "p_positive": p[r["s"]][2], "sentiment_score": p[r["s"]][2] - p[r["s"]][0], "topics": r.get("topics", []),
        "run_id": "t", "scored_at": datetime.now(),
    } for r in rows])
    con.register("new_reviews", reviews)
    con.register("new_scores", scores)
    con.execute("INSERT INTO reviews BY NAME SELECT *, md5(body) AS body_hash FROM new_reviews")
    con.execute("INSERT INTO review_scores BY NAME SELECT review_id, model_version, sentiment, p_negative, p_neutral, p_positive, "
                "sentiment_score, topics, MAP {} AS topic_scores, run_id, scored_at FROM new_scores")
    for a in aspects or []:
        con.execute("INSERT INTO review_aspects VALUES (?, 'm1', ?, 0, 5, ?, ?, ?)", [a["id"], a.get("clause", 0), a["topic"], a["s"], a["score"]])


@pytest.fixture
def store(con):
    con.execute("INSERT INTO model_registry VALUES ('m1', now(), 'test', '{}', 'f', '{}', '/nowhere', true)")
    return con


def rebuild(con, settings: Settings, run_date: date) -> dict[str, int]:
    """The night's two steps behind the emerging terms: the reviews' words indexed (the flow's index_review_terms),
    then the insight tables, which read them."""
    index_terms(con, run_date)
    return rebuild_insights(con, settings, run_date)


def settings(**overrides) -> Settings:
    return Settings(**{"min_alert_volume": 20, "alert_z": 3.0, "min_product_reviews": 3, **overrides})


def test_daily_counts_and_net_sentiment(store):
    add(store, [{"id": "a", "age": 0, "s": "positive", "rating": 5}, {"id": "b", "age": 0, "s": "positive", "rating": 4},
                {"id": "c", "age": 0, "s": "negative", "rating": 1}, {"id": "d", "age": 0, "s": "neutral"},
                {"id": "e", "age": 1, "s": "negative", "rating": 2}])
    rebuild_insights(store, settings(), RUN)
    rows = store.execute("SELECT day::VARCHAR, reviews, negative, neutral, positive, net_sentiment, avg_rating "
                         "FROM insight_daily ORDER BY day").fetchall()
    assert rows == [("2026-11-27", 1, 1, 0, 0, -100.0, 2.0), ("2026-11-28", 4, 1, 1, 2, 25.0, pytest.approx(10 / 3))]


def test_reviews_after_the_run_date_are_left_out(store):
    add(store, [{"id": "a", "age": 0, "s": "positive"}, {"id": "future", "age": -3, "s": "negative"}])
    rebuild_insights(store, settings(), RUN)
    assert store.execute("SELECT sum(reviews) FROM insight_daily").fetchone()[0] == 1


def test_product_trend_and_rank(store):
    rows = [{"id": f"good{i}", "product": "good", "age": i, "s": "positive"} for i in range(6)]
    rows += [{"id": f"bad{i}", "product": "bad", "age": i, "s": "negative" if i < 7 else "positive"} for i in range(14)]
    rows += [{"id": "tiny", "product": "tiny", "age": 0, "s": "negative"}]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    got = {r[0]: r[1:] for r in store.execute("SELECT product_id, reviews, net_sentiment, trend_7d, rank FROM insight_products").fetchall()}
    assert got["bad"] == (14, 0.0, -200.0, 1)          # last 7 days all negative, the 7 before all positive
    assert got["good"] == (6, 100.0, None, 2)
    assert got["tiny"][3] is None                       # under min_product_reviews: not ranked


def test_topic_sentiment_comes_from_the_clause_that_names_it(store):
    add(store, [{"id": "r1", "age": 0, "s": "positive", "topics": ["material"]},
                {"id": "r2", "age": 1, "s": "positive", "topics": ["material"]}],
        aspects=[{"id": "r1", "topic": "size_fit", "s": "negative", "score": -0.8},
                 {"id": "r1", "topic": "material", "s": "positive", "score": 0.9, "clause": 1}])
    rebuild_insights(store, settings(), RUN)
    topics = dict(store.execute("SELECT topic, net_sentiment FROM insight_topics").fetchall())
    assert topics == {"size_fit": -100.0, "material": 100.0}
    assert store.execute("SELECT mentions, share FROM insight_topics WHERE topic = 'material'").fetchone() == (2, 1.0)


def test_a_planted_spike_of_complaints_raises_an_alert(store):
    rows = [{"id": f"old{i}", "age": 7 + i % 28, "s": "negative" if i % 10 == 0 else "positive", "topics": ["size_fit"]} for i in range(200)]
    rows += [{"id": f"new{i}", "age": i % 7, "s": "negative" if i % 2 == 0 else "positive", "topics": ["size_fit"]} for i in range(60)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    alerts = store.execute("SELECT scope, scope_id, severity, message FROM alerts WHERE run_date = ?", [RUN]).fetchall()
    scopes = {(a[0], a[1]) for a in alerts}
    assert ("topic_category", "size_fit @ Dresses") in scopes and ("product", "p1") in scopes
    message = next(a[3] for a in alerts if a[0] == "topic_category")
    assert message == "size_fit complaints on Dresses rose from 10% to 50% (n=60)"


def test_a_flat_series_raises_nothing(store):
    rows = [{"id": f"r{i}", "age": i % 35, "s": "negative" if i % 5 == 0 else "positive", "topics": ["size_fit"]} for i in range(350)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    assert store.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0


def test_small_volumes_never_alert(store):
    rows = [{"id": f"old{i}", "age": 10, "s": "positive"} for i in range(30)]
    rows += [{"id": f"new{i}", "age": 1, "s": "negative"} for i in range(5)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    assert store.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0


def test_emerging_terms_find_a_new_word_in_both_scripts(store):
    rows = [{"id": f"old{i}", "age": 10 + i % 20, "s": "positive", "body": "lovely dress, soft fabric"} for i in range(40)]
    rows += [{"id": f"new{i}", "age": i % 7, "s": "negative", "body": "the zipper snapped right away"} for i in range(8)]
    rows += [{"id": f"zhold{i}", "age": 10 + i % 20, "s": "positive", "body": "质量很好，物流很快"} for i in range(40)]
    rows += [{"id": f"zh{i}", "age": i % 7, "s": "negative", "body": "拉链坏了，很失望"} for i in range(6)]
    add(store, rows)
    store.execute("UPDATE reviews SET language = 'zh' WHERE review_id LIKE 'zh%'")
    rebuild(store, settings(min_term_count=5), RUN)
    terms = {r[0]: r[1:] for r in store.execute("SELECT term, language, recent, baseline FROM emerging_terms").fetchall()}
    assert terms["zipper"] == ("en", 8, 0)
    assert terms["拉链"] == ("zh", 6, 0)
    assert "lovely" not in terms


def test_stop_words_of_topic_discovery_never_emerge(store):
    rows = [{"id": f"old{i}", "age": 10 + i % 20, "s": "positive", "body": "lovely dress, soft fabric"} for i in range(40)]
    rows += [{"id": f"new{i}", "age": i % 7, "s": "negative", "body": "really because zipper"} for i in range(8)]
    add(store, rows)
    rebuild(store, settings(min_term_count=5), RUN)
    terms = {r[0] for r in store.execute("SELECT term FROM emerging_terms").fetchall()}
    assert "zipper" in terms
    assert {"really", "because"} <= STOP_WORDS and not terms & STOP_WORDS


def test_rebuild_counts_the_rows_each_file_wrote_under_the_table_it_declares(store):
    add(store, [{"id": "a", "age": 0, "s": "positive"}, {"id": "b", "age": 1, "s": "negative"}])
    store.execute("INSERT INTO alerts BY NAME SELECT DATE '2020-01-01' AS run_date, 'product' AS scope, 'p' AS scope_id, "
                  "'negative_share' AS metric, 0.5 AS value, 0.1 AS baseline, 50 AS n, 5.0 AS statistic, "
                  "'high' AS severity, 'an old alert' AS message")
    counts = rebuild_insights(store, settings(), RUN)
    assert list(counts) == insight_tables()
    assert counts["insight_daily"] == 2 and counts["alerts"] == 0       # the old date's alert is kept, not counted
    assert {"insight_daily", "insight_products", "alerts"} <= set(counts)


def test_rebuilding_twice_gives_identical_tables(store):
    add(store, [{"id": f"r{i}", "age": i % 20, "s": ["negative", "neutral", "positive"][i % 3], "topics": ["quality"]} for i in range(60)])
    tables = insight_tables()
    rebuild_insights(store, settings(), RUN)
    first = {t: store.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    rebuild_insights(store, settings(), RUN)
    assert first == {t: store.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def test_rank_by_wilson_bound_puts_many_reviews_above_a_lucky_few(store):
    rows = [{"id": f"few{i}", "product": "few", "age": i, "s": "positive"} for i in range(10)]                  # 10/10
    rows += [{"id": f"many{i}", "product": "many", "age": i % 30, "s": "positive" if i % 20 else "negative"}
             for i in range(200)]                                                                              # 190/200
    rows += [{"id": f"bad{i}", "product": "bad", "age": i % 30, "s": "negative" if i % 4 == 0 else "positive"}
             for i in range(200)]                                                                              # 50/200 negative
    rows += [{"id": f"unlucky{i}", "product": "unlucky", "age": i, "s": "negative" if i < 4 else "positive"}
             for i in range(10)]                                                                               # 4/10 negative
    add(store, rows)
    rebuild_insights(store, settings(min_product_reviews=10), RUN)
    got = {r[0]: r[1:] for r in store.execute(
        "SELECT product_id, rank, best_rank, positive_low, negative_low, negative_high FROM insight_products").fetchall()}
    assert got["few"][2] == pytest.approx(0.7225, abs=1e-4)                 # Wilson 95% lower bound of 10/10
    assert got["many"][2] == pytest.approx(0.9104, abs=1e-4)                # ... of 190/200
    assert got["many"][1] == 1 and got["few"][1] == 2                       # best rated: the sure one first
    assert got["bad"][3:] == (pytest.approx(0.1951, abs=1e-4), pytest.approx(0.3143, abs=1e-4))
    assert got["bad"][0] == 1 and got["unlucky"][0] == 2                    # 25% of 200 (>= 19.5%) is surer than 40% of 10 (>= 16.8%)


def test_placeholder_products_count_in_totals_but_are_never_ranked(store):
    rows = [{"id": f"z{i}", "product": "snownlp-unknown-product", "category": None, "age": i % 20, "s": "negative"} for i in range(40)]
    rows += [{"id": f"e{i}", "product": "p-empty", "category": " ", "age": i % 20, "s": "negative"} for i in range(40)]
    rows += [{"id": f"r{i}", "product": "real", "age": i % 20, "s": "negative" if i % 2 else "positive"} for i in range(40)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    got = {r[0]: r[1:] for r in store.execute("SELECT product_id, rankable, rank, best_rank FROM insight_products").fetchall()}
    assert got["snownlp-unknown-product"] == (False, None, None) and got["p-empty"] == (False, None, None)
    assert got["real"] == (True, 1, 1)
    assert store.execute("SELECT sum(reviews), sum(negative) FROM insight_daily").fetchone() == (120, 100)


def test_emerging_chinese_terms_are_words_not_character_pairs(store):
    rows = [{"id": f"zhold{i}", "age": 10 + i % 20, "s": "positive", "body": "质量很好，物流很快，很喜欢"} for i in range(60)]
    rows += [{"id": f"zhnew{i}", "age": i % 7, "s": "negative", "body": f"尺码偏小，穿着不舒服，第{i}次买"} for i in range(12)]
    add(store, rows)
    store.execute("UPDATE reviews SET language = 'zh'")
    rebuild(store, settings(min_term_count=5), RUN)
    terms = {r[0] for r in store.execute("SELECT term FROM emerging_terms WHERE language = 'zh'").fetchall()}
    assert {"尺码", "偏小", "穿着", "舒服"} <= terms
    assert not terms & {"码偏", "小，", "穿着不", "着不"}
    assert store.execute("SELECT terms FROM review_terms WHERE review_id = 'zhold0'").fetchone()[0] == ["喜欢", "很快", "物流", "质量"]


def test_an_edited_review_is_segmented_again(store):
    add(store, [{"id": "a", "age": 0, "s": "negative", "body": "the zipper broke"}])
    rebuild(store, settings(), RUN)
    store.execute("UPDATE reviews SET body = 'the buttons fell off', body_hash = md5('the buttons fell off') "
                  "WHERE review_id = 'a'")                            # as ingest writes an edit
    rebuild(store, settings(), RUN)
    assert store.execute("SELECT terms FROM review_terms").fetchall() == [(["button", "fell"],)]


def test_alerts_name_the_languages_of_their_recent_reviews(store):
    rows = [{"id": f"old{i}", "age": 7 + i % 28, "s": "negative" if i % 10 == 0 else "positive", "topics": ["size_fit"]} for i in range(200)]
    rows += [{"id": f"new{i}", "age": i % 7, "s": "negative" if i % 2 == 0 else "positive", "topics": ["size_fit"]} for i in range(60)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    assert store.execute("SELECT DISTINCT languages FROM alerts").fetchall() == [(["en"],)]


def test_a_product_not_reviewed_lately_has_trends_up_to_its_last_review(store):
    # 70 reviews over 20 weeks, one every two days, the last 20 days before the run: the run date's own last
    # 7 days hold none of them, its last 7 days do
    rows = [{"id": f"q{i}", "product": "quiet", "age": 20 + 2 * i, "s": "negative" if i < 4 else "positive"} for i in range(70)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    last, trend_7d, trend_28d, rank = store.execute(
        "SELECT last_review, trend_7d, trend_28d, rank FROM insight_products WHERE product_id = 'quiet'").fetchone()
    assert last == RUN - timedelta(days=20)
    assert trend_7d == -200.0                           # 4 of 4 negative in its last 7 days, 3 of 3 positive before
    assert trend_28d is not None and rank == 1
    weeks = query(store, "report/product_weekly.sql", {"run_date": RUN, "leaderboard_size": 8})
    assert weeks.period_end.max().date() == last and len(weeks) == 20 and weeks.reviews.sum() == 70


def test_products_are_ranked_on_the_ranking_window_and_show_their_last_review(store):
    rows = [{"id": f"old{i}", "product": "old", "age": 540 + i, "s": "negative"} for i in range(40)]        # 18 months ago
    rows += [{"id": f"new{i}", "product": "new", "age": i, "s": "negative" if i % 3 == 0 else "positive"} for i in range(30)]
    rows += [{"id": f"mix{i}", "product": "mix", "age": i * 10, "s": "negative" if i < 12 else "positive"} for i in range(24)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    got = {r[0]: r[1:] for r in store.execute(
        "SELECT product_id, reviews, recent_reviews, recent_negative, rank, last_review FROM insight_products").fetchall()}
    assert got["old"][:4] == (40, 0, 0, None) and got["old"][4] == RUN - timedelta(days=540)
    assert got["mix"][:3] == (24, RANKING_DAYS // 10, 9)        # ages 0..80 in the window, all 9 of them negative
    assert got["mix"][3] == 1 and got["new"][3] == 2             # 9/9 negative lately is surely worse than 10/30


def test_most_helpful_negative_reviews_show_each_text_once(store):
    rows = [{"id": f"dup{i}", "age": i, "s": "negative", "body": "Stopped charging after a week.  "} for i in range(5)]
    rows += [{"id": "dup-case", "age": 1, "s": "negative", "body": "stopped charging after a  week."}]
    rows += [{"id": f"other{i}", "age": i, "s": "negative", "body": f"Screen cracked on day {i}"} for i in range(2)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    bodies = query(store, "report/product_examples.sql", {"run_date": RUN, "leaderboard_size": 8}).body.tolist()
    assert len(bodies) == 3
    assert sum("charging" in b.lower() for b in bodies) == 1


def test_the_reviews_behind_an_alert_show_each_text_once(store):
    rows = [{"id": f"old{i}", "age": 7 + i % 28, "s": "negative" if i % 10 == 0 else "positive"} for i in range(200)]
    rows += [{"id": f"new{i}", "age": i % 7, "s": "negative" if i % 2 == 0 else "positive",
              "body": "Broke on day one." if i % 4 == 0 else f"Seams came apart, review {i}"} for i in range(60)]
    add(store, rows)
    rebuild_insights(store, settings(), RUN)
    behind = query(store, "report/alert_reviews.sql", {"run_date": RUN})
    product = behind[behind.scope == "product"].body.tolist()
    assert len(product) == 3 and len(set(product)) == 3 and product.count("Broke on day one.") == 1
