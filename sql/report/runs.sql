-- Completed runs for the history page, newest run per date.
SELECT run_date, run_id, finished_at, reviews_scored, alerts, report_path, headline, model_version
FROM runs
WHERE status = 'completed' OR run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY run_date ORDER BY run_id = $run_id DESC, finished_at DESC) = 1
ORDER BY run_date DESC;
