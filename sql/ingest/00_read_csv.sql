-- Read a CSV file as text into temp table ingest_source: _line (the row's position among the rows the reader kept;
-- a record may span lines), then the file's columns. Records the reader cannot read go to temp table ingest_rejects,
-- the dialect it used to ingest_reject_scans. A record of many lines that is over $max_record_bytes is one of those
-- (a single such line never reaches the reader: files._readable puts a short marker in its place).
CREATE OR REPLACE TEMP TABLE ingest_source AS
SELECT row_number() OVER () AS _line, *
FROM read_csv($file, all_varchar = true, header = true, max_line_size = $max_record_bytes,
              store_rejects = true, rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans');
