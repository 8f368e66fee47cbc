-- The day of the newest review a run's page covers (written up to the end of its run date): when it is weeks before
-- the run date, the page's "last 7 days" are empty and `run` says which date would show the data.
SELECT max(created_at)::DATE AS newest FROM reviews WHERE created_at < $run_date::DATE + INTERVAL 1 DAY;
