-- Embeddings topic discovery will not read again: another model's, or those of reviews older than its window
-- (sql/discovery/untopiced.sql: the 28 days up to the run date). A backfill's run rolls this back with its tables.
DELETE FROM review_embeddings
WHERE model_version IS DISTINCT FROM active_model()
   OR review_id IN (SELECT review_id FROM reviews WHERE created_at < $run_date::DATE - INTERVAL 27 DAY);
