-- What the analysts' snapshot holds: written into it once it is a full copy of the store, before it replaces the
-- previous snapshot. `reviewlens sql` reads the snapshot; SELECT * FROM snapshot_info says how fresh it is.
CREATE TABLE snapshot.snapshot_info AS
SELECT $run_id::VARCHAR AS run_id, $run_date::DATE AS run_date, $published_at::TIMESTAMP AS published_at;
COMMENT ON TABLE snapshot.snapshot_info IS 'The nightly run whose tables this read-only snapshot holds, and when it was published (UTC).';
