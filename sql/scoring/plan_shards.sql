-- The shards of the next scoring run: the reviews the given model has not scored, or scored when the body was
-- different (edited since), in review_id order, cut into shards of $shard_reviews. One row per shard: its
-- review_id range and size. The ranges are stable for the whole run: the run holds the store's only write
-- connection, and loading one shard changes only that shard's reviews. Same condition as next_unscored.sql.
WITH todo AS (
    SELECT r.review_id, (row_number() OVER (ORDER BY r.review_id) - 1) // $shard_reviews AS shard
    FROM reviews r
    WHERE NOT EXISTS (SELECT 1 FROM review_scores s
                      WHERE s.review_id = r.review_id AND s.model_version = $model_version AND s.text_hash = md5(r.body))
)
SELECT shard, min(review_id) AS first_id, max(review_id) AS last_id, count(*) AS reviews
FROM todo
GROUP BY shard
ORDER BY shard;
