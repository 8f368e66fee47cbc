-- For the leaderboard drill-down: each listed product's reviews and net sentiment per 7-day period ending on
-- the run date, the last 12 periods; complete is false for a period that starts before the first review.
SELECT product_id,
       $run_date::DATE - INTERVAL (period_no * 7) DAY AS period_end,
       count(*) AS reviews, count_if(sentiment = 'negative') AS negative, count_if(sentiment = 'positive') AS positive,
       net_sentiment_of(sentiment) AS net_sentiment,
       $run_date::DATE - INTERVAL (period_no * 7 + 6) DAY >= (SELECT min(day) FROM insight_daily) AS complete
FROM (SELECT *, review_age(created_at, $run_date) // 7 AS period_no FROM v_reviews_scored)
WHERE product_id IN (SELECT product_id FROM leaderboard_products($leaderboard_size))
  AND period_no BETWEEN 0 AND 11
GROUP BY ALL
ORDER BY product_id, period_end;
