-- Write the plan: updated rows, then new rows; each with the md5 of its body, hashed here once rather than by every
-- nightly run.
UPDATE reviews AS r SET
    product_id = p.product_id,
    category = p.category,
    rating = p.rating,
    title = p.title,
    body = p.body,
    body_hash = md5(p.body),
    language = p.language,
    created_at = p.created_at,
    label = p.label,
    source = $source,
    ingested_at = $now
FROM ingest_plan p
WHERE p.review_id = r.review_id AND p.action = 'update';

INSERT INTO reviews BY NAME
SELECT review_id, product_id, category, rating, title, body, md5(body) AS body_hash, language, created_at, label,
       $source AS source, $now AS ingested_at
FROM ingest_plan
WHERE action = 'insert';
