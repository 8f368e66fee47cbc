-- A scored shard's results into the store, run in one transaction by flows/scoring/shards.load_shard. The files
-- are registered as views shard_scores, shard_aspects and shard_embeddings. Idempotent: the model's rows for the
-- shard's reviews are replaced, so a shard loaded twice adds nothing, and an edited review's old score, aspects
-- and embedding go. The review_id range lets DuckDB skip the row groups (zone maps) that cannot hold the shard's
-- reviews, so a load costs the shard, not the size of review_scores.
DELETE FROM review_aspects
WHERE model_version = $model_version AND review_id BETWEEN $first_id AND $last_id
  AND review_id IN (SELECT review_id FROM shard_scores);

DELETE FROM review_scores
WHERE model_version = $model_version AND review_id BETWEEN $first_id AND $last_id
  AND review_id IN (SELECT review_id FROM shard_scores);

DELETE FROM review_embeddings
WHERE model_version = $model_version AND review_id BETWEEN $first_id AND $last_id
  AND review_id IN (SELECT review_id FROM shard_scores);

INSERT INTO review_scores BY NAME SELECT * FROM shard_scores;

INSERT INTO review_aspects BY NAME SELECT * FROM shard_aspects;

INSERT INTO review_embeddings BY NAME SELECT * FROM shard_embeddings;
