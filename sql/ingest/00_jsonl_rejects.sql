-- Number the kept lines as the file does, then record the lines that cannot be ingest rows: invalid UTF-8 (the reader
-- rejects it), invalid JSON, and lines over the limit, which arrive as the marker record_too_long_<bytes>_bytes
-- (files.LONG_LINE) and keep their size, not their megabytes.
-- The n-th kept line is line n plus the rejected lines before it (the j-th rejected line, r_j, has r_j - j kept
-- lines before it).
UPDATE ingest_lines SET _line = _line + (
    SELECT count(*)
    FROM (SELECT line - row_number() OVER (ORDER BY line) AS kept_before
          FROM (SELECT DISTINCT line FROM ingest_rejects))
    WHERE kept_before < ingest_lines._line
)
WHERE EXISTS (SELECT 1 FROM ingest_rejects);

INSERT INTO ingest_parse_errors (_line, reason, _raw)
SELECT line, CASE WHEN bool_or(error_type = 'INVALID ENCODING') THEN 'invalid_encoding' ELSE 'invalid_json' END,
       to_json({'line': min(csv_line)})
FROM ingest_rejects
GROUP BY line;

INSERT INTO ingest_parse_errors (_line, reason, _raw)
SELECT
    _line,
    CASE WHEN too_long IS NOT NULL THEN 'record_too_long' ELSE 'invalid_json' END,
    CASE WHEN too_long IS NOT NULL THEN to_json({'bytes': too_long}) ELSE to_json({'line': line}) END
FROM (
    SELECT _line, line, TRY_CAST(regexp_extract(line, '^record_too_long_(\d+)_bytes$', 1) AS BIGINT) AS too_long
    FROM ingest_lines
    WHERE trim(line) <> '' AND (NOT json_valid(line) OR json_type(line) <> 'OBJECT')
);

DROP TABLE IF EXISTS ingest_rejects;

DROP TABLE IF EXISTS ingest_reject_scans;
