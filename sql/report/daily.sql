-- Daily volume and sentiment per review language and category (a missing category reads 'uncategorised').
SELECT day, language, category_label(category) AS category, sum(reviews) AS reviews, sum(positive) AS positive,
       sum(negative) AS negative, sum(neutral) AS neutral
FROM insight_daily
WHERE day <= $run_date::DATE
GROUP BY ALL
ORDER BY day, language, category;
