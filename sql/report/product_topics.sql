-- For the leaderboard drill-down: topic mentions and net sentiment per ranked product.
SELECT product_id, topic, count(*) AS mentions, net_sentiment_of(sentiment) AS net_sentiment
FROM v_review_topics
WHERE product_id IN (SELECT product_id FROM insight_products WHERE rank IS NOT NULL)
  AND created_at < $run_date::DATE + INTERVAL 1 DAY
GROUP BY ALL
ORDER BY product_id, mentions DESC;
