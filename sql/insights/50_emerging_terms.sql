-- fills: emerging_terms
-- Words (English) and character bigrams (Chinese) whose share of reviews in the last
-- 7 days rose most against the 28 days before; add-one smoothed lift, minimum recent count.
-- $stop_words: the English words never counted (models/terms.py STOP_WORDS, passed by the flow).
DELETE FROM emerging_terms;

INSERT INTO emerging_terms BY NAME
WITH recent_window AS (
    SELECT review_id, language, body,
           review_age(created_at, $run_date) < 7 AS is_recent
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
      AND created_at >= $run_date::DATE - INTERVAL 34 DAY
), english AS (
    SELECT DISTINCT review_id, is_recent, 'en' AS language, unnest(regexp_split_to_array(lower(body), '[^a-z'']+')) AS term
    FROM recent_window WHERE language = 'en'
), chinese AS (
    SELECT DISTINCT review_id, is_recent, 'zh' AS language, substring(body, i, 2) AS term
    FROM (SELECT review_id, is_recent, body, unnest(range(1, length(left(body, 300)))) AS i FROM recent_window WHERE language = 'zh')
), terms AS (
    SELECT * FROM english
    WHERE length(term) >= 4 AND NOT list_contains($stop_words::VARCHAR[], term)
    UNION ALL
    SELECT * FROM chinese WHERE regexp_full_match(term, '[\x{4e00}-\x{9fff}]{2}')
), windows AS (
    SELECT language, count(*) FILTER (is_recent) AS n_recent, count(*) FILTER (NOT is_recent) AS n_baseline
    FROM recent_window GROUP BY language
), counts AS (
    SELECT term, language, count(*) FILTER (is_recent) AS recent, count(*) FILTER (NOT is_recent) AS baseline
    FROM terms GROUP BY ALL
)
SELECT c.term, c.language, c.recent, c.baseline,
       ((c.recent + 1.0) / (w.n_recent + 1.0)) / ((c.baseline + 1.0) / (w.n_baseline + 1.0)) AS lift
FROM counts c JOIN windows w USING (language)
WHERE c.recent >= $min_term_count
ORDER BY lift DESC, c.recent DESC, c.term
LIMIT 100;
