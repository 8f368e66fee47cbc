-- One parse error per record the CSV reader rejected (a row with three extra columns is reported three times), by the
-- reader's record number (the header is 1) until _csv_physical_lines turns it into a line. A record too long to read
-- keeps its size, not its megabytes: a line over the limit arrives as the marker record_too_long_<bytes>_bytes
-- (files.LONG_LINE), one of many lines as the reader's own error. Then the dialect the reader used.
INSERT INTO ingest_parse_errors (_line, reason, _raw)
WITH records AS (
    SELECT
        line,
        coalesce(
            max(TRY_CAST(regexp_extract(csv_line, '^record_too_long_(\d+)_bytes$', 1) AS BIGINT)),
            max(TRY_CAST(regexp_extract(error_message, 'Actual Size:\s*(\d+)', 1) AS BIGINT))
                FILTER (WHERE error_type = 'LINE SIZE OVER MAXIMUM')
        ) AS too_long,
        bool_or(error_type = 'INVALID ENCODING') AS bad_encoding,
        min(csv_line) AS csv_line,
        min(error_message) AS error
    FROM ingest_rejects
    GROUP BY line
)
SELECT
    line,
    CASE WHEN too_long IS NOT NULL THEN 'record_too_long'
         WHEN bad_encoding THEN 'invalid_encoding'
         ELSE 'malformed_row' END,
    CASE WHEN too_long IS NOT NULL THEN to_json({'bytes': too_long})
         ELSE to_json({'csv_line': csv_line, 'error': error}) END
FROM records;

CREATE OR REPLACE TEMP TABLE ingest_csv_dialect AS
SELECT delimiter, quote, escape, skip_rows FROM ingest_reject_scans;

DROP TABLE IF EXISTS ingest_rejects;

DROP TABLE IF EXISTS ingest_reject_scans;
