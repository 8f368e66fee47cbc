-- Every product with its counts, Wilson intervals, worst topics, trends and both ranks (the export has them
-- all; the leaderboard shows the ranked ones).
SELECT product_id, category_label(category) AS category, language, reviews, negative, positive, net_sentiment,
       negative_low, negative_high, positive_low, positive_high, rankable, worst_topics, trend_7d, trend_28d, rank, best_rank
FROM insight_products
ORDER BY rank NULLS LAST, reviews DESC, product_id;
