-- Completed runs for the history page, newest run per date (the history is written once a run is recorded as
-- completed, with its counts).
SELECT run_date, run_id, finished_at, reviews_scored, alerts, report_path, headline, model_version
FROM runs
WHERE status = 'completed'
QUALIFY row_number() OVER (PARTITION BY run_date ORDER BY finished_at DESC) = 1
ORDER BY run_date DESC;
