-- Keep rejected rows (once per file, line and reason) with the raw row as JSON.
-- Run only when there are rejects: building _raw for every row of a clean file is wasted work.
-- A CSV row's line comes from ingest_line_numbers (its _line is its position among the rows read).
INSERT INTO reviews_rejected (source_file, line, reason, raw)
SELECT $file, s.line, s.reason, s._raw
FROM (
    SELECT coalesce(n.line, m._line) AS line, s.reason, m._raw
    FROM ingest_staged s JOIN ingest_mapped m USING (_line)
    LEFT JOIN ingest_line_numbers n USING (_line)
    WHERE s.reason IS NOT NULL
    UNION ALL
    SELECT _line, reason, _raw FROM ingest_parse_errors
) s
WHERE NOT EXISTS (
    SELECT 1 FROM reviews_rejected j
    WHERE j.source_file = $file AND j.line = s.line AND j.reason = s.reason
);

