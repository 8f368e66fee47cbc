-- Runs still 'running' when a new run starts were killed (the new run holds the only write lock).
UPDATE runs SET status = 'failed', message = 'interrupted: the process stopped before the run finished'
WHERE status = 'running';

INSERT INTO runs (run_id, run_date, started_at, status, model_version)
VALUES ($run_id, $run_date, $now, 'running', $model_version);
