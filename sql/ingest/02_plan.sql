-- Decide what each valid row does: within the file and against the table, the newest created_at wins.
-- action: insert (new id), update (newer, or same time with changed content), same (identical), stale (older).
CREATE OR REPLACE TEMP TABLE ingest_plan AS
WITH newest_in_file AS (
    SELECT * EXCLUDE (reason)
    FROM ingest_staged
    WHERE reason IS NULL
    QUALIFY row_number() OVER (PARTITION BY review_id ORDER BY created_at DESC, _line DESC) = 1
)
SELECT
    n.*,
    CASE
        WHEN r.review_id IS NULL THEN 'insert'
        WHEN n.created_at > r.created_at THEN 'update'
        WHEN n.created_at < r.created_at THEN 'stale'
        WHEN (n.product_id, n.category, n.rating, n.title, n.body, n.language, n.label, $source)
             IS NOT DISTINCT FROM
             (r.product_id, r.category, r.rating, r.title, r.body, r.language, r.label, r.source) THEN 'same'
        ELSE 'update'
    END AS action
FROM newest_in_file n
LEFT JOIN reviews r USING (review_id);
