-- The next page of reviews the given model has not scored, or scored when the body was different (edited since),
-- by review_id (keyset paging: resumable). text_hash is stored with the new score; rescored marks a review whose
-- old score (and aspects) the new one replaces. Written with NOT EXISTS, not as a LEFT JOIN filtered with
-- IS DISTINCT FROM: DuckDB 2.0.1 drops the LIMIT of that form while the model has no scores yet, which made a
-- model's first run one transaction (a killed run kept nothing); tests/test_scoring.py checks the page size.
SELECT r.review_id, r.body, md5(r.body) AS text_hash,
       EXISTS (SELECT 1 FROM review_scores s WHERE s.review_id = r.review_id AND s.model_version = $model_version) AS rescored
FROM reviews r
WHERE r.review_id > $after
  AND NOT EXISTS (SELECT 1 FROM review_scores s
                  WHERE s.review_id = r.review_id AND s.model_version = $model_version AND s.text_hash = md5(r.body))
ORDER BY r.review_id
LIMIT $limit;
