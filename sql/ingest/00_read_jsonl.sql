-- Read JSON Lines line by line into temp table ingest_lines (_line, line), with DuckDB's CSV reader set to one text
-- column and no quoting, so a broken line is rejected with its number instead of failing the file. Blank lines are
-- kept (as null); lines the reader rejects (invalid UTF-8) go to temp table ingest_rejects.
CREATE OR REPLACE TEMP TABLE ingest_lines AS
SELECT row_number() OVER () AS _line, line
FROM read_csv($file, columns = {'line': 'VARCHAR'}, auto_detect = false, header = false, delim = chr(1), quote = '',
              escape = '', max_line_size = $max_record_bytes,
              store_rejects = true, rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans');
