-- For the leaderboard drill-down: each listed product's reviews and net sentiment per 7-day period ending on
-- the product's last review up to the run date (a product reviewed a few times a week, or not lately, still has
-- weeks to show), the last 26 periods; complete is false for a period that starts before the store's first review.
WITH listed AS (
    SELECT *, review_age(created_at, max(created_at) OVER (PARTITION BY product_id)) // 7 AS period_no,
           max(created_at) OVER (PARTITION BY product_id)::DATE AS last_review
    FROM v_reviews_scored
    WHERE product_id IN (SELECT product_id FROM leaderboard_products($leaderboard_size))
      AND created_at < $run_date::DATE + INTERVAL 1 DAY
)
SELECT product_id,
       last_review - INTERVAL (period_no * 7) DAY AS period_end,
       count(*) AS reviews, count_if(sentiment = 'negative') AS negative, count_if(sentiment = 'positive') AS positive,
       net_sentiment_of(sentiment) AS net_sentiment,
       last_review - INTERVAL (period_no * 7 + 6) DAY >= (SELECT min(day) FROM insight_daily) AS complete
FROM listed
WHERE period_no BETWEEN 0 AND 25
GROUP BY ALL
ORDER BY product_id, period_end;
