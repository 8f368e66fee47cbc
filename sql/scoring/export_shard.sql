-- One shard's reviews to a Parquet file a worker scores without opening the store: the reviews of the range
-- [$first_id, $last_id] the model has to score, with the md5 of the text scored.
COPY (
    SELECT review_id, body, text_hash
    FROM reviews_to_score($model_version)
    WHERE review_id BETWEEN $first_id AND $last_id
    ORDER BY review_id
) TO $path (FORMAT parquet);
