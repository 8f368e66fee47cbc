"""The fast insight SQL gives exactly what its plain definition gives.

v_review_topics and topic_examples were rewritten for speed (a full join instead of UNION + a window per pair;
an aggregate instead of a window per opening phrase). The plain definitions stay here as the specification, and a
store full of the awkward cases (topics named only by a clause, only by the list, by both, twice; other models'
rows; ties in confidence; whitespace runs before the opening phrase; bodies at the length limits; future reviews)
must give identical rows through both."""

from __future__ import annotations

from datetime import date

import pytest

from reviewlens.flows.config import Settings
from reviewlens.flows.nightly.insights import rebuild_insights

RUN = date(2026, 11, 28)

PLAIN_REVIEW_TOPICS = """
WITH aspect AS (
    SELECT a.review_id, a.topic, arg_max(a.sentiment, (abs(a.score), a.sentiment = 'negative', -a.char_start)) AS sentiment,
           arg_max(a.score, (abs(a.score), a.sentiment = 'negative', -a.char_start)) AS score
    FROM review_aspects a WHERE a.model_version = active_model() GROUP BY ALL
), review_level AS (
    SELECT v.review_id, unnest(v.topics) AS topic, v.sentiment, v.sentiment_score AS score FROM v_reviews_scored v
)
SELECT v.review_id, v.product_id, v.category, v.language, v.created_at, t.topic,
       coalesce(a.sentiment, t.sentiment) AS sentiment, coalesce(a.score, t.score) AS score
FROM (SELECT review_id, topic, sentiment, score FROM review_level
      UNION SELECT review_id, topic, NULL, NULL FROM aspect) t
JOIN v_reviews_scored v USING (review_id)
LEFT JOIN aspect a USING (review_id, topic)
QUALIFY row_number() OVER (PARTITION BY v.review_id, t.topic ORDER BY t.sentiment NULLS LAST) = 1
"""

PLAIN_TOPIC_EXAMPLES = """
WITH candidates AS (
    SELECT t.topic, t.sentiment, t.review_id,
           CASE t.sentiment WHEN 'positive' THEN v.p_positive WHEN 'negative' THEN v.p_negative ELSE v.p_neutral END AS confidence,
           lower(left(regexp_replace(v.body, '\\s+', ' ', 'g'), 24)) AS opening
    FROM v_review_topics t
    JOIN v_reviews_scored v USING (review_id)
    WHERE t.created_at < $run_date::DATE + INTERVAL 1 DAY AND length(v.body) BETWEEN 20 AND 600
    QUALIFY row_number() OVER (PARTITION BY t.topic, t.sentiment, opening ORDER BY confidence DESC, t.review_id) = 1
)
SELECT topic, sentiment, example_no, review_id, confidence
FROM (SELECT *, row_number() OVER (PARTITION BY topic, sentiment ORDER BY confidence DESC, review_id) AS example_no
      FROM candidates)
WHERE example_no <= $examples_per_topic
"""


@pytest.fixture
def awkward_store(con):
    """3,000 reviews scored by the active model 'm1' (and 500 by an old model 'm0'), with clause aspects."""
    con.execute("INSERT INTO model_registry VALUES ('m1', now(), 't', '{}', 'f', '{}', '/x', true), "
                "('m0', now(), 't', '{}', 'f', '{}', '/x', false)")
    con.execute("""
        INSERT INTO reviews BY NAME
        SELECT 'r' || i AS review_id, 'p' || (i % 40) AS product_id, ['Dresses', 'Knits', NULL][1 + i % 3] AS category,
               1 + i % 5 AS rating,
               CASE i % 7 WHEN 0 THEN repeat(' ', i % 50) || 'runs small,   fabric is thin and cheap ' || (i % 11)
                          WHEN 1 THEN 'Lovely dress, fits well'
                          WHEN 2 THEN repeat('x', 19)
                          WHEN 3 THEN repeat('long review ', 50)
                          WHEN 4 THEN '质量很好，物流太慢   ' || repeat('很好', i % 20)
                          ELSE 'review number ' || i || ' about\t\tthe   zipper' END AS body,
               ['en', 'zh'][1 + i % 2] AS language,
               TIMESTAMP '2026-11-28 12:00:00' - INTERVAL (i % 80) DAY + INTERVAL (CASE WHEN i % 97 = 0 THEN 5 ELSE 0 END) DAY AS created_at,
               'test' AS source, now() AS ingested_at
        FROM range(3000) t(i)""")
    con.execute("""
        INSERT INTO review_scores BY NAME
        SELECT review_id, m AS model_version, ['negative', 'neutral', 'positive'][1 + h % 3] AS sentiment,
               ((h % 5) / 10.0)::REAL AS p_negative, 0.2::REAL AS p_neutral, ((h % 4) / 8.0)::REAL AS p_positive,
               ((h % 9) / 10.0 - 0.4)::REAL AS sentiment_score,
               [[], ['size_fit'], ['quality', 'size_fit'], ['quality', 'quality'], ['material']][1 + h % 5] AS topics,
               now() AS scored_at
        FROM (SELECT review_id, (hash(review_id) % 1000)::BIGINT AS h FROM reviews) r, (VALUES ('m1'), ('m0')) v(m)
        WHERE m = 'm1' OR h < 170""")
    con.execute("""
        INSERT INTO review_aspects BY NAME
        SELECT review_id, m AS model_version, clause_no, 0 AS char_start, 5 AS char_end,
               ['size_fit', 'material', 'delivery'][1 + (h + clause_no) % 3] AS topic,
               ['negative', 'positive'][1 + (h + clause_no) % 2] AS sentiment,
               (((h * 7 + clause_no) % 11) / 10.0 - 0.5)::REAL AS score
        FROM (SELECT review_id, model_version AS m, (hash(review_id) % 1000)::BIGINT AS h FROM review_scores), range(3) c(clause_no)
        WHERE h % 3 = 0 OR clause_no = 0 AND h % 5 = 1""")
    return con


def rows(con, sql: str, params: dict | None = None) -> list[tuple]:
    return sorted(con.execute(sql, params).fetchall(), key=repr)


def test_review_topics_view_equals_its_plain_definition(awkward_store):
    fast = rows(awkward_store, "SELECT * FROM v_review_topics")
    assert len(fast) > 3000
    assert fast == rows(awkward_store, PLAIN_REVIEW_TOPICS)


def test_topic_examples_equal_their_plain_definition(awkward_store):
    settings = Settings(examples_per_topic=3)
    rebuild_insights(awkward_store, settings, RUN)
    fast = rows(awkward_store, "SELECT topic, sentiment, example_no, review_id, confidence FROM topic_examples")
    assert len(fast) >= 10
    plain = rows(awkward_store, PLAIN_TOPIC_EXAMPLES, {"run_date": RUN, "examples_per_topic": 3})
    assert fast == plain


def test_of_two_equally_strong_clauses_that_disagree_the_topic_takes_the_complaint(con):
    con.execute("INSERT INTO model_registry VALUES ('m1', now(), 't', '{}', 'f', '{}', '/x', true)")
    con.execute("INSERT INTO reviews BY NAME SELECT 'r1' AS review_id, 'p' AS product_id, 5 AS rating, "
                "'Tastes great. Tastes awful.' AS body, 'en' AS language, TIMESTAMP '2026-11-28 12:00:00' AS created_at, "
                "'test' AS source, now() AS ingested_at")
    con.execute("INSERT INTO review_scores BY NAME SELECT 'r1' AS review_id, 'm1' AS model_version, 'positive' AS sentiment, "
                "0.1::REAL AS p_negative, 0.1::REAL AS p_neutral, 0.8::REAL AS p_positive, 0.7::REAL AS sentiment_score, "
                "['taste'] AS topics, now() AS scored_at")
    con.execute("INSERT INTO review_aspects BY NAME SELECT 'r1' AS review_id, 'm1' AS model_version, c AS clause_no, "
                "s AS char_start, s + 12 AS char_end, 'taste' AS topic, t AS sentiment, x::REAL AS score "
                "FROM (VALUES (0, 0, 'positive', 1.0), (1, 14, 'negative', -1.0)) v(c, s, t, x)")
    assert con.execute("SELECT sentiment, score FROM v_review_topics").fetchall() == [("negative", -1.0)]
