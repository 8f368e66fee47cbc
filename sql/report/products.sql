-- Every product with its counts, Wilson intervals (over the ranking window), worst topics, last review, trends and
-- both ranks (the export has them all; the leaderboard shows the ranked ones).
SELECT product_id, category_label(category) AS category, language, reviews, negative, positive, net_sentiment,
       recent_reviews, recent_negative, recent_positive, strftime(last_review, '%Y-%m-%d') AS last_review,
       negative_low, negative_high, positive_low, positive_high, rankable, worst_topics, trend_7d, trend_28d, rank, best_rank
FROM insight_products
ORDER BY rank NULLS LAST, reviews DESC, product_id;
