-- Type and validate every mapped input row; `reason` is null for a valid row.
-- Input: temp view ingest_mapped (_line, contract columns as VARCHAR). Language is detected from the
-- first 300 characters (plenty, and cheap on 1 MB bodies); pure-ASCII bodies skip the CJK scans.
-- created_at is stored in UTC: an offset (Z, +05:00, +0530) or a zone name is honoured, a time without one is read in
-- the session's time zone, UTC (connect() sets it); one later than the run's $now plus a day is rejected.
CREATE OR REPLACE TEMP TABLE ingest_staged AS
WITH typed AS (
    SELECT
        _line,
        nullif(trim(review_id), '')  AS review_id,
        nullif(trim(product_id), '') AS product_id,
        nullif(trim(category), '')   AS category,
        nullif(trim(rating), '')     AS rating_text,
        TRY_CAST(nullif(trim(rating), '') AS DOUBLE) AS rating_value,
        nullif(trim(title), '')      AS title,
        body,
        lower(split_part(split_part(trim(language), '-', 1), '_', 1)) AS language_given,
        nullif(trim(created_at), '') AS created_text,
        TRY_CAST(trim(created_at) AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS created_at,
        lower(nullif(trim(label), '')) AS label
    FROM ingest_mapped
)
SELECT
    _line,
    review_id,
    product_id,
    category,
    CAST(rating_value AS TINYINT) AS rating,
    title,
    body,
    CASE
        WHEN language_given IN ('zh', 'en') THEN language_given
        WHEN language_given IS NOT NULL AND language_given <> '' THEN 'other'
        WHEN strlen(body) = length(body) THEN  -- plain ASCII: English or not, no CJK scan needed
            CASE WHEN regexp_matches(left(body, 300), '(?i)\b(the|and|is|it|this|was|for|with|but|not|very|i|my|you|love|great)\b') THEN 'en' ELSE 'other' END
        WHEN regexp_matches(left(body, 300), '[\x{3040}-\x{30ff}\x{ac00}-\x{d7af}]') THEN 'other'
        WHEN regexp_matches(left(body, 300), '[\x{3400}-\x{9fff}]') THEN 'zh'
        WHEN regexp_matches(left(body, 300), '(?i)\b(the|and|is|it|this|was|for|with|but|not|very|i|my|you|love|great)\b') THEN 'en'
        ELSE 'other'
    END AS language,
    created_at,
    label,
    CASE
        WHEN review_id IS NULL THEN 'missing_review_id'
        WHEN product_id IS NULL THEN 'missing_product_id'
        WHEN body IS NULL OR trim(body) = '' THEN 'empty_body'
        WHEN created_at IS NULL THEN 'invalid_created_at'
        WHEN created_at > $now + INTERVAL 1 DAY THEN 'future_created_at'
        WHEN rating_text IS NOT NULL AND (rating_value IS NULL OR rating_value NOT IN (1, 2, 3, 4, 5)) THEN 'invalid_rating'
        WHEN label IS NOT NULL AND label NOT IN ('negative', 'neutral', 'positive') THEN 'invalid_label'
    END AS reason
FROM typed;
