-- How many reviews the given model has not scored yet, or scored when the body was different (edited since).
SELECT count(*)
FROM reviews r
LEFT JOIN review_scores s ON s.review_id = r.review_id AND s.model_version = $model_version
WHERE s.text_hash IS DISTINCT FROM md5(r.body);
