-- The shards of the next scoring run: the reviews the given model has to score (macro reviews_to_score), in
-- review_id order, cut into shards of $shard_reviews. One row per shard: its review_id range and size. It reads the
-- ids and the body hashes ingest stored, never a body. The ranges are stable for the whole run: the run holds the
-- store's only write connection, and loading one shard changes only that shard's reviews.
WITH todo AS (
    SELECT review_id, (row_number() OVER (ORDER BY review_id) - 1) // $shard_reviews AS shard
    FROM reviews_to_score($model_version)
)
SELECT shard, min(review_id) AS first_id, max(review_id) AS last_id, count(*) AS reviews
FROM todo
GROUP BY shard
ORDER BY shard;
