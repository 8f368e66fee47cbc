-- The run date's alerts, most severe first.
SELECT severity, scope, scope_id, message, value, baseline, n, statistic
FROM alerts
WHERE run_date = $run_date::DATE
ORDER BY statistic DESC;
