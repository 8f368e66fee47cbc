-- The next page of reviews the given model has not scored, by review_id (keyset paging: resumable).
SELECT r.review_id, r.body
FROM reviews r
WHERE r.review_id > $after
  AND NOT EXISTS (SELECT 1 FROM review_scores s WHERE s.review_id = r.review_id AND s.model_version = $model_version)
ORDER BY r.review_id
LIMIT $limit;
