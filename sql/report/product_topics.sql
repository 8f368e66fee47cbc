-- For the leaderboard drill-down: each listed product's topics (mentions, net sentiment) next to the same
-- topic across the product's category.
WITH listed AS (
    SELECT product_id, category FROM insight_products
    WHERE product_id IN (SELECT product_id FROM leaderboard_products($leaderboard_size))
), upto AS (
    SELECT * FROM v_review_topics WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
), by_product AS (
    SELECT product_id, topic, count(*) AS mentions, net_sentiment_of(sentiment) AS net_sentiment
    FROM upto WHERE product_id IN (SELECT product_id FROM listed)
    GROUP BY ALL
), by_category AS (
    SELECT category, topic, count(*) AS category_mentions, net_sentiment_of(sentiment) AS category_net_sentiment
    FROM upto WHERE category IN (SELECT category FROM listed)
    GROUP BY ALL
)
SELECT p.product_id, p.topic, p.mentions, p.net_sentiment, c.category_mentions, c.category_net_sentiment
FROM by_product p
JOIN listed l USING (product_id)
LEFT JOIN by_category c ON c.category = l.category AND c.topic = p.topic
ORDER BY p.product_id, p.mentions DESC, p.topic;
