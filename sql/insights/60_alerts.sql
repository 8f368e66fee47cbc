-- fills: alerts
-- Alerts for the run date: negative share in the last 7 days against the 28 days before, per product,
-- category, topic and topic within category; two-proportion z-test, minimum volume in both windows. Each alert
-- names the languages of its recent reviews (the dashboard's language filter).
DELETE FROM alerts WHERE run_date = $run_date::DATE;

INSERT INTO alerts BY NAME
WITH windowed AS (
    SELECT *, review_age(created_at, $run_date) AS age
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY AND created_at >= $run_date::DATE - INTERVAL 34 DAY
), topic_windowed AS (
    SELECT *, review_age(created_at, $run_date) AS age
    FROM rebuild_topics                         -- v_review_topics up to the run date (sql/rebuild/)
    WHERE created_at >= $run_date::DATE - INTERVAL 34 DAY
), scoped AS (
    SELECT 'product' AS scope, product_id AS scope_id, 'reviews' AS what, age, sentiment, language FROM windowed
    UNION ALL SELECT 'category', category, 'reviews', age, sentiment, language FROM windowed WHERE category IS NOT NULL
    UNION ALL SELECT 'topic', topic, topic || ' mentions', age, sentiment, language FROM topic_windowed
    UNION ALL SELECT 'topic_category', topic || ' @ ' || category, topic || ' complaints on ' || category, age, sentiment, language
              FROM topic_windowed WHERE category IS NOT NULL
), counts AS (
    SELECT scope, scope_id, any_value(what) AS what,
           list(DISTINCT language ORDER BY language) FILTER (age < 7) AS languages,
           count(*) FILTER (age < 7) AS n1, count(*) FILTER (age < 7 AND sentiment = 'negative') AS x1,
           count(*) FILTER (age >= 7) AS n0, count(*) FILTER (age >= 7 AND sentiment = 'negative') AS x0
    FROM scoped GROUP BY ALL
), scored AS (
    SELECT *, x1 / n1 AS p1, x0 / n0 AS p0, two_proportion_z(x1, n1, x0, n0) AS z
    FROM counts
    WHERE n1 >= $min_alert_volume AND n0 >= $min_alert_volume
)
SELECT
    $run_date::DATE AS run_date, scope, scope_id, 'negative_share' AS metric, p1 AS value, p0 AS baseline, n1 AS n,
    z AS statistic, languages,
    CASE WHEN z >= 5 THEN 'high' WHEN z >= 4 THEN 'medium' ELSE 'low' END AS severity,
    CASE WHEN scope = 'topic_category' THEN what ELSE 'negative ' || what || ' for ' || scope || ' ' || scope_id END
        || ' rose from ' || round(p0 * 100)::INT || '% to ' || round(p1 * 100)::INT || '% (n=' || n1 || ')' AS message
FROM scored
WHERE z >= $alert_z AND p1 - p0 >= 0.05
ORDER BY z DESC;
