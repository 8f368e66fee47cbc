-- Valid rows dated before the created_at_floor setting ($floor): loaded, but counted so ingest can warn about them
-- (dates such as 1900-01-01 are usually placeholders, and they stretch every chart over time).
SELECT count(*) AS before_floor
FROM ingest_staged
WHERE reason IS NULL AND created_at < $floor;
