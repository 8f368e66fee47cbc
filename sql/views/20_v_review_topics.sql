-- Analyst view: one row per review and topic it mentions, with the sentiment toward that topic: the aspect
-- sentiment of the strongest clause mentioning it (of equals, a negative one, then the first), else the review's own
-- sentiment. Needs v_reviews_scored.
-- A topic is mentioned when the review's topics list names it or a clause names it: a full join of the two on
-- (review, topic) gives each pair once (no UNION and no window to pick one row per pair: both were most of
-- the insight rebuild's time).
CREATE OR REPLACE VIEW v_review_topics AS
WITH aspect AS (
    SELECT a.review_id, a.topic, arg_max(a.sentiment, aspect_strength(a.score, a.sentiment, a.char_start)) AS sentiment,
           arg_max(a.score, aspect_strength(a.score, a.sentiment, a.char_start)) AS score
    FROM review_aspects a
    WHERE a.model_version = active_model()
    GROUP BY ALL
), listed AS (
    SELECT DISTINCT s.review_id, unnest(s.topics) AS topic
    FROM review_scores s
    WHERE s.model_version = active_model()
)
SELECT v.review_id, v.product_id, v.category, v.language, v.created_at, coalesce(l.topic, a.topic) AS topic,
       coalesce(a.sentiment, v.sentiment) AS sentiment, coalesce(a.score, v.sentiment_score) AS score
FROM listed l
FULL JOIN aspect a ON a.review_id = l.review_id AND a.topic = l.topic
JOIN v_reviews_scored v ON v.review_id = coalesce(l.review_id, a.review_id);
COMMENT ON VIEW v_review_topics IS 'Review x topic mentions with the sentiment toward the topic (aspect sentiment where a clause names it).';
