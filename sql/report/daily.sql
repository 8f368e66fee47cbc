-- Daily volume and sentiment per category (null category shown as '(none)').
SELECT day, coalesce(category, '(none)') AS category, sum(reviews) AS reviews, sum(positive) AS positive,
       sum(negative) AS negative, sum(neutral) AS neutral
FROM insight_daily
WHERE day <= $run_date::DATE
GROUP BY ALL
ORDER BY day, category;
