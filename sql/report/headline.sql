-- Headline figures for the 7 days ending on the run date and the 7 days before, over all reviews
-- (language 'all') and per review language.
WITH days AS (
    SELECT CASE WHEN day > $run_date::DATE - INTERVAL 7 DAY THEN 'current' ELSE 'previous' END AS period, *
    FROM insight_daily
    WHERE day > $run_date::DATE - INTERVAL 14 DAY AND day <= $run_date::DATE
)
SELECT
    period,
    CASE WHEN grouping(language) = 1 THEN 'all' ELSE language END AS language,
    sum(reviews) AS reviews,
    net_sentiment(sum(positive), sum(negative), sum(reviews)) AS net_sentiment,
    sum(negative) * 100.0 / sum(reviews) AS negative_pct
FROM days
GROUP BY GROUPING SETS ((period), (period, language));
