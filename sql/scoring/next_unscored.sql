-- The next page of reviews the given model has not scored, or scored when the body was different (edited since),
-- by review_id (keyset paging: resumable). text_hash is stored with the new score; rescored marks a review whose
-- old score (and aspects) the new one replaces.
SELECT r.review_id, r.body, md5(r.body) AS text_hash, s.review_id IS NOT NULL AS rescored
FROM reviews r
LEFT JOIN review_scores s ON s.review_id = r.review_id AND s.model_version = $model_version
WHERE r.review_id > $after
  AND s.text_hash IS DISTINCT FROM md5(r.body)
ORDER BY r.review_id
LIMIT $limit;
