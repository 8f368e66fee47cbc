-- fills: emerging_terms
-- Words whose share of reviews rose in the last 7 days against the 28 days before, per review language, by the
-- same two-proportion z-test as the alerts: at least $min_term_count recent reviews and z >= $emerging_term_z,
-- strongest first, the top 50 of each language (a word common in both windows rises with a large z and a small
-- lift; a rare word with a large lift but few reviews is chance). Lift is add-one smoothed.
-- The words come from review_terms (written just before by flows/nightly/review_terms.py: jieba words for
-- Chinese, singular English words).
-- $stop_words: words never counted (models/terms.py STOP_WORDS, passed by the flow; review_terms already
-- leaves them out, this also drops words added to the list since a review was segmented).
DELETE FROM emerging_terms;

INSERT INTO emerging_terms BY NAME
WITH recent_window AS (
    SELECT review_id, language,
           review_age(created_at, $run_date) < 7 AS is_recent
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
      AND created_at >= $run_date::DATE - INTERVAL 34 DAY
), terms AS (
    SELECT w.review_id, w.is_recent, w.language, unnest(t.terms) AS term
    FROM recent_window w
    JOIN review_terms t USING (review_id)
), windows AS (
    SELECT language, count(*) FILTER (is_recent) AS n_recent, count(*) FILTER (NOT is_recent) AS n_baseline
    FROM recent_window GROUP BY language
), counts AS (
    SELECT term, language, count(*) FILTER (is_recent) AS recent, count(*) FILTER (NOT is_recent) AS baseline
    FROM terms
    WHERE NOT list_contains($stop_words::VARCHAR[], term)
    GROUP BY ALL
)
SELECT c.term, c.language, c.recent, c.baseline,
       ((c.recent + 1.0) / (w.n_recent + 1.0)) / ((c.baseline + 1.0) / (w.n_baseline + 1.0)) AS lift,
       two_proportion_z(c.recent, w.n_recent, c.baseline, w.n_baseline) AS statistic
FROM counts c JOIN windows w USING (language)
WHERE c.recent >= $min_term_count
  AND two_proportion_z(c.recent, w.n_recent, c.baseline, w.n_baseline) >= $emerging_term_z
QUALIFY row_number() OVER (PARTITION BY c.language ORDER BY statistic DESC, c.recent DESC, c.term) <= 50
ORDER BY statistic DESC, c.recent DESC, c.term;
