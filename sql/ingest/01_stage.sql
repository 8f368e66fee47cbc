-- Type and validate every mapped input row; `reason` is null for a valid row.
-- Input: temp view ingest_mapped (_line, contract columns as VARCHAR, _author). The script of a body's first 300
-- characters (plenty, and cheap on 1 MB bodies) gives its language where the file gives none: Han is zh; kana,
-- hangul, another script or no letters at all is other; mostly Latin letters is left null here, for
-- flows/ingest/language.py to tell English from other Latin-script languages (01_language.sql writes its answer).
-- Pure-ASCII bodies skip the script scans.
-- review_id: with $derive_ids (the file has no review id column), md5 of the row's product_id, created_at (UTC,
-- 'YYYY-MM-DD HH:MM:SS[.ffffff]'), rating, title, body and the file's author column (_author, or empty), each after
-- the trims below (title and body as the file gives them, before decoding), joined by chr(31) with an absent value
-- as ''. The same review gives the same id on every ingest, and two identical rows one id (counted as duplicates).
-- Title and body are stored as their customers wrote them: HTML character references decoded, <br> tags as line
-- breaks, Windows-1252 punctuation left as C1 controls repaired (as_written: flows/ingest/written_text.py,
-- registered on the connection).
-- created_at is stored in UTC: an offset (Z, +05:00, +0530) or a zone name is honoured, a time without one is read in
-- the session's time zone, UTC (connect() sets it); one later than the run's $now plus a day is rejected. With
-- $date_format (ingest --date-format, strptime codes such as '%m/%d/%Y') created_at is read by that layout alone.
-- rating: a number on the file's scale, $rating_low to $rating_high (ingest --rating-scale; 1 to 5 by default), becomes
-- the whole star (1..5) at the same place on the star scale, rounded half up: 4.5 of 5 is 5 stars, 7 of 1-10 is 4,
-- 5 of 1-10 is 3. A rating that says its own scale ("4.0 out of 5 stars", "8/10") is read on 1 to its top. rating_given
-- keeps a plain number as written, for flows/ingest/rating_scale.py's check of the scale.
CREATE OR REPLACE TEMP TABLE ingest_staged AS
WITH typed AS (
    SELECT
        _line,
        nullif(trim(review_id), '')  AS review_id,
        nullif(trim(product_id), '') AS product_id,
        nullif(trim(category), '')   AS category,
        nullif(trim(rating), '')     AS rating_text,
        TRY_CAST(nullif(trim(rating), '') AS DOUBLE) AS rating_value,
        regexp_extract(lower(trim(rating)), '^(\d+(?:\.\d+)?)\s*(?:out of|/)\s*(\d+(?:\.\d+)?)(?:\s*stars?)?$',
                       ['of', 'top']) AS rating_says,          -- '' in both where the rating names no scale
        nullif(trim(title), '')      AS title_given,
        body                         AS body_given,
        nullif(trim(_author), '')    AS author,
        lower(split_part(split_part(trim(language), '-', 1), '_', 1)) AS language_given,
        nullif(trim(created_at), '') AS created_text,
        CAST(CASE WHEN $date_format IS NULL THEN TRY_CAST(trim(created_at) AS TIMESTAMPTZ)
                  ELSE try_strptime(trim(created_at), $date_format) END AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS created_at,
        lower(nullif(trim(label), '')) AS label
    FROM ingest_mapped
), decoded AS (
    SELECT *,
           as_written(title_given) AS title,
           as_written(body_given) AS body
    FROM typed
), scaled AS (             -- each rating on its scale: the one it names, else the file's
    SELECT *, left(body, 300) AS head,
           coalesce(TRY_CAST(rating_says.of AS DOUBLE), rating_value) AS on_scale,
           CASE WHEN rating_says.top = '' THEN $rating_low ELSE 1 END AS scale_low,
           coalesce(TRY_CAST(rating_says.top AS DOUBLE), $rating_high) AS scale_high
    FROM decoded
), headed AS (
    SELECT *, CAST(CASE WHEN scale_high > scale_low AND on_scale BETWEEN scale_low AND scale_high
                        THEN round(1 + 4 * (on_scale - scale_low) / (scale_high - scale_low)) END AS TINYINT) AS stars
    FROM scaled
)
SELECT
    _line,
    CASE WHEN $derive_ids THEN md5(concat_ws(chr(31), coalesce(product_id, ''), coalesce(CAST(created_at AS VARCHAR), ''),
                                             coalesce(CAST(CAST(rating_value AS TINYINT) AS VARCHAR), rating_text, ''),
                                             coalesce(title_given, ''), coalesce(body_given, ''), coalesce(author, '')))
         ELSE review_id END AS review_id,
    product_id,
    category,
    stars AS rating,
    rating_value AS rating_given,
    title,
    body,
    CASE
        WHEN language_given IN ('zh', 'en') THEN language_given
        WHEN language_given IS NOT NULL AND language_given <> '' THEN 'other'
        WHEN strlen(body) = length(body) THEN  -- plain ASCII: Latin letters or none
            CASE WHEN regexp_matches(head, '[A-Za-z]') THEN NULL ELSE 'other' END
        WHEN regexp_matches(head, '[\p{Hiragana}\p{Katakana}\p{Hangul}]') THEN 'other'
        WHEN regexp_matches(head, '\p{Han}') THEN 'zh'
        WHEN length(regexp_replace(head, '\P{Latin}', '', 'g')) * 2 > length(regexp_replace(head, '\P{L}', '', 'g')) THEN NULL
        ELSE 'other'
    END AS language,
    created_at,
    label,
    CASE
        WHEN review_id IS NULL AND NOT $derive_ids THEN 'missing_review_id'
        WHEN product_id IS NULL THEN 'missing_product_id'
        WHEN body IS NULL OR trim(body) = '' THEN 'empty_body'
        WHEN created_at IS NULL THEN 'invalid_created_at'
        WHEN created_at > $now + INTERVAL 1 DAY THEN 'future_created_at'
        WHEN rating_text IS NOT NULL AND stars IS NULL THEN 'invalid_rating'
        WHEN label IS NOT NULL AND label NOT IN ('negative', 'neutral', 'positive') THEN 'invalid_label'
    END AS reason
FROM headed;
