-- One shard's reviews to a Parquet file a worker scores without opening the store: the reviews of the range
-- [$first_id, $last_id] the model has not scored (or scored before an edit), with the md5 of the text scored.
COPY (
    SELECT r.review_id, r.body, md5(r.body) AS text_hash
    FROM reviews r
    WHERE r.review_id BETWEEN $first_id AND $last_id
      AND NOT EXISTS (SELECT 1 FROM review_scores s
                      WHERE s.review_id = r.review_id AND s.model_version = $model_version AND s.text_hash = md5(r.body))
    ORDER BY r.review_id
) TO $path (FORMAT parquet);
