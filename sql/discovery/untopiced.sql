-- Recent reviews (28 days up to the run date) in which the active model found no taxonomy topic, with their
-- language (topic discovery clusters each language apart).
SELECT review_id, body, language
FROM v_reviews_scored
WHERE len(topics) = 0
  AND created_at < $run_date::DATE + INTERVAL 1 DAY
  AND created_at >= $run_date::DATE - INTERVAL 27 DAY
  AND length(body) >= 10
ORDER BY hash(review_id)
LIMIT $limit;
