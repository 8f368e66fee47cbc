-- Close a run with its outcome.
UPDATE runs SET
    finished_at = $now, status = $status, reviews_scored = $scored, alerts = $alerts,
    durations = $durations, report_path = $report_path, message = $message
WHERE run_id = $run_id;
