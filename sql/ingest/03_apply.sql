-- Write the plan: rejected rows (once per file, line and reason), updated rows, new rows.
INSERT INTO reviews_rejected (source_file, line, reason, raw)
SELECT $file, s._line, s.reason, s._raw
FROM (
    SELECT _line, reason, _raw FROM ingest_staged WHERE reason IS NOT NULL
    UNION ALL
    SELECT _line, reason, _raw FROM ingest_parse_errors
) s
WHERE NOT EXISTS (
    SELECT 1 FROM reviews_rejected j
    WHERE j.source_file = $file AND j.line = s._line AND j.reason = s.reason
);

UPDATE reviews AS r SET
    product_id = p.product_id,
    category = p.category,
    rating = p.rating,
    title = p.title,
    body = p.body,
    language = p.language,
    created_at = p.created_at,
    label = p.label,
    source = $source,
    ingested_at = $now
FROM ingest_plan p
WHERE p.review_id = r.review_id AND p.action = 'update';

INSERT INTO reviews
SELECT review_id, product_id, category, rating, title, body, language, created_at, label, $source, $now
FROM ingest_plan
WHERE action = 'insert';
