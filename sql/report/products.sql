-- Ranked products with their worst topics.
SELECT product_id, coalesce(category, '(none)') AS category, reviews, net_sentiment, worst_topics, trend_7d, trend_28d, rank
FROM insight_products
ORDER BY rank NULLS LAST, reviews DESC;
