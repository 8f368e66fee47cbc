-- Version 7: work a night no longer does twice. Each review keeps the md5 of its body, computed once at ingest, so
-- planning a night's scoring and finding the reviews to segment read a column instead of hashing every body every
-- night; rows stored before this version get theirs here, once. And the scoring pass keeps the pooled embedding of
-- each review it found no topic in, so topic discovery clusters what scoring computed instead of scoring again.
ALTER TABLE reviews ADD COLUMN IF NOT EXISTS body_hash VARCHAR;
UPDATE reviews SET body_hash = md5(body) WHERE body_hash IS NULL;
COMMENT ON COLUMN reviews.body_hash IS 'md5 of body, written with it at ingest: what a score''s or a review''s terms'' text_hash is compared with to find edited reviews.';

CREATE TABLE IF NOT EXISTS review_embeddings (
    review_id     VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    embedding     FLOAT[] NOT NULL,
    PRIMARY KEY (review_id, model_version)
);
COMMENT ON TABLE review_embeddings IS 'The pooled encoder output of each review the model found no taxonomy topic in, written by the scoring pass for topic discovery to cluster; kept for the discovery window (28 days) and the active model only.';
COMMENT ON COLUMN review_embeddings.review_id IS 'The review.';
COMMENT ON COLUMN review_embeddings.model_version IS 'Model that produced the embedding (its score is in review_scores).';
COMMENT ON COLUMN review_embeddings.embedding IS 'Pooled encoder output, one value per hidden unit of the model.';
