-- The run date's alerts, most severe first, with the languages of their recent reviews.
SELECT severity, scope, scope_id, message, value, baseline, n, statistic, languages
FROM alerts
WHERE run_date = $run_date::DATE
ORDER BY statistic DESC;
