-- A backfill's alerts, read before its insight tables are rolled back (the newest night's stay in place).
SELECT * FROM alerts WHERE run_date = $run_date::DATE;
