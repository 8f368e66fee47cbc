-- Recent reviews (28 days up to the run date) in which the active model found no taxonomy topic, with their
-- language (topic discovery clusters each language apart), their terms (review_terms, written earlier in the night)
-- and the embedding the scoring pass kept (null for a review scored before the store kept them: schema version 7).
SELECT v.review_id, v.body, v.language, coalesce(t.terms, []) AS terms, e.embedding
FROM v_reviews_scored v
LEFT JOIN review_terms t ON t.review_id = v.review_id
LEFT JOIN review_embeddings e ON e.review_id = v.review_id AND e.model_version = v.model_version
WHERE len(v.topics) = 0
  AND v.created_at < $run_date::DATE + INTERVAL 1 DAY
  AND v.created_at >= $run_date::DATE - INTERVAL 27 DAY
  AND length(v.body) >= 10
ORDER BY hash(v.review_id)
LIMIT $limit;
