-- Version 4: each score keeps a hash of the text it scored, so an edited review is rescored by the next run.
-- Scores written before this version have no hash: the text they scored is unknown, so the active model
-- rescores those reviews once on the next run (the same cost as activating a new model).
ALTER TABLE review_scores ADD COLUMN IF NOT EXISTS text_hash VARCHAR;
COMMENT ON COLUMN review_scores.text_hash IS 'md5 of the body that was scored; a review whose body hash differs is rescored (null: written before schema version 4).';
