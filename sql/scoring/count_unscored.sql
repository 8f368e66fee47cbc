-- How many reviews the given model has not scored yet.
SELECT count(*)
FROM reviews r
WHERE NOT EXISTS (SELECT 1 FROM review_scores s WHERE s.review_id = r.review_id AND s.model_version = $model_version);
