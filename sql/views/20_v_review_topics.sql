-- Analyst view: one row per review and topic it mentions, with the sentiment toward that topic: the aspect
-- sentiment of the strongest clause mentioning it, else the review's own sentiment. Needs v_reviews_scored.
CREATE OR REPLACE VIEW v_review_topics AS
WITH aspect AS (
    SELECT a.review_id, a.topic, arg_max(a.sentiment, abs(a.score)) AS sentiment, arg_max(a.score, abs(a.score)) AS score
    FROM review_aspects a
    WHERE a.model_version = active_model()
    GROUP BY ALL
), review_level AS (
    SELECT v.review_id, unnest(v.topics) AS topic, v.sentiment, v.sentiment_score AS score
    FROM v_reviews_scored v
)
SELECT v.review_id, v.product_id, v.category, v.language, v.created_at, t.topic,
       coalesce(a.sentiment, t.sentiment) AS sentiment, coalesce(a.score, t.score) AS score
FROM (SELECT review_id, topic, sentiment, score FROM review_level
      UNION SELECT review_id, topic, NULL, NULL FROM aspect) t
JOIN v_reviews_scored v USING (review_id)
LEFT JOIN aspect a USING (review_id, topic)
QUALIFY row_number() OVER (PARTITION BY v.review_id, t.topic ORDER BY t.sentiment NULLS LAST) = 1;
COMMENT ON VIEW v_review_topics IS 'Review x topic mentions with the sentiment toward the topic (aspect sentiment where a clause names it).';
