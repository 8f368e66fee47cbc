-- fills: insight_topics
-- 7-day periods ending on the run date x category x topic x language, with the change vs the previous period.
DELETE FROM insight_topics;

INSERT INTO insight_topics BY NAME
WITH periods AS (
    SELECT *, review_age(created_at, $run_date) // 7 AS period_no
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
), volume AS (
    SELECT period_no, category, language, count(*) AS reviews FROM periods GROUP BY ALL
), mentions AS (
    SELECT review_age(created_at, $run_date) // 7 AS period_no, category, language, topic,
           count(*) AS mentions,
           net_sentiment_of(sentiment) AS net_sentiment
    FROM rebuild_topics                         -- v_review_topics up to the run date (sql/rebuild/)
    GROUP BY ALL
)
SELECT
    $run_date::DATE - INTERVAL (m.period_no * 7 + 6) DAY AS period_start,
    $run_date::DATE - INTERVAL (m.period_no * 7) DAY AS period_end,
    m.category,
    m.language,
    m.topic,
    m.mentions,
    m.mentions / v.reviews AS share,
    m.net_sentiment,
    lead(m.mentions) OVER w AS prev_mentions,
    lead(m.net_sentiment) OVER w AS prev_net_sentiment,
    m.net_sentiment - lead(m.net_sentiment) OVER w AS change_net_sentiment
FROM mentions m
JOIN volume v ON v.period_no = m.period_no AND v.category IS NOT DISTINCT FROM m.category AND v.language = m.language
WINDOW w AS (PARTITION BY m.category, m.language, m.topic ORDER BY m.period_no RANGE BETWEEN 1 FOLLOWING AND 1 FOLLOWING);
