-- Put a backfill's alerts back after the rollback: alerts are kept per run date, unlike the other insight tables.
-- backfill_alerts: what sql/runs/backfill_alerts.sql read, registered by flows/nightly/flow.py.
DELETE FROM alerts WHERE run_date = $run_date::DATE;
INSERT INTO alerts BY NAME SELECT * FROM backfill_alerts;
