-- Version 3: each run keeps its headline figures, so the history page needs no recomputation.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS headline JSON;
COMMENT ON COLUMN runs.headline IS 'Headline figures of the run: reviews, net sentiment and % negative over the last 7 days, with the previous 7 days.';
