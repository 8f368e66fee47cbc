-- Version 2: analyst views over the active model's scores.

CREATE OR REPLACE VIEW v_reviews_scored AS
SELECT
    r.review_id, r.product_id, r.category, r.rating, r.title, r.body, r.language, r.created_at, r.label, r.source,
    s.model_version, s.sentiment, s.p_negative, s.p_neutral, s.p_positive, s.sentiment_score,
    s.topics, s.topic_scores, s.run_id, s.scored_at
FROM reviews r
JOIN review_scores s USING (review_id)
WHERE s.model_version = (SELECT model_version FROM model_registry WHERE active);
COMMENT ON VIEW v_reviews_scored IS 'Every review with the active model''s scores: the table analysts start from.';

-- One row per review and topic it mentions, with the sentiment toward that topic: the aspect sentiment
-- of the strongest clause mentioning it, else the review's own sentiment.
CREATE OR REPLACE VIEW v_review_topics AS
WITH aspect AS (
    SELECT a.review_id, a.topic, arg_max(a.sentiment, abs(a.score)) AS sentiment, arg_max(a.score, abs(a.score)) AS score
    FROM review_aspects a
    WHERE a.model_version = (SELECT model_version FROM model_registry WHERE active)
    GROUP BY ALL
), review_level AS (
    SELECT v.review_id, unnest(v.topics) AS topic, v.sentiment, v.sentiment_score AS score
    FROM v_reviews_scored v
)
SELECT v.review_id, v.product_id, v.category, v.created_at, t.topic,
       coalesce(a.sentiment, t.sentiment) AS sentiment, coalesce(a.score, t.score) AS score
FROM (SELECT review_id, topic, sentiment, score FROM review_level
      UNION SELECT review_id, topic, NULL, NULL FROM aspect) t
JOIN v_reviews_scored v USING (review_id)
LEFT JOIN aspect a USING (review_id, topic)
QUALIFY row_number() OVER (PARTITION BY v.review_id, t.topic ORDER BY t.sentiment NULLS LAST) = 1;
COMMENT ON VIEW v_review_topics IS 'Review x topic mentions with the sentiment toward the topic (aspect sentiment where a clause names it).';
