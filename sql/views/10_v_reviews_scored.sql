-- Analyst view: every review with the active model's scores. Re-created on every read-write connect.
CREATE OR REPLACE VIEW v_reviews_scored AS
SELECT
    r.review_id, r.product_id, r.category, r.rating, r.title, r.body, r.language, r.created_at, r.label, r.source,
    s.model_version, s.sentiment, s.p_negative, s.p_neutral, s.p_positive, s.sentiment_score,
    s.topics, s.topic_scores, s.run_id, s.scored_at
FROM reviews r
JOIN review_scores s USING (review_id)
WHERE s.model_version = active_model();
COMMENT ON VIEW v_reviews_scored IS 'Every review with the active model''s scores: the table analysts start from.';
