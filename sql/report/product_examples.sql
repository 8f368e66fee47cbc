-- For the leaderboard drill-down: each ranked product's most negative and most positive recent reviews.
SELECT product_id, review_id, sentiment, body, created_at::DATE AS day
FROM (
    SELECT v.*, row_number() OVER (PARTITION BY v.product_id, v.sentiment ORDER BY abs(v.sentiment_score) DESC, v.review_id) AS n
    FROM v_reviews_scored v
    WHERE v.product_id IN (SELECT product_id FROM insight_products WHERE rank IS NOT NULL)
      AND v.sentiment <> 'neutral' AND v.created_at < $run_date::DATE + INTERVAL 1 DAY
)
WHERE n <= 2
ORDER BY product_id, sentiment;
