-- The first rejected row of each reason for this file (by line), as read: what ingest's message under its summary
-- shows. Rows rejected by an earlier ingest of the same file count too (they are the same rows).
SELECT reason, min(line) AS line, arg_min(raw, line) AS raw
FROM reviews_rejected
WHERE source_file = $file
GROUP BY reason
ORDER BY reason;
