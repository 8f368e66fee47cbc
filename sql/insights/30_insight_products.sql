-- fills: insight_products
-- Per product volume, net sentiment, worst topics, 7- and 28-day trends, rank (1 = worst).
DELETE FROM insight_products;

INSERT INTO insight_products BY NAME
WITH scored AS (
    SELECT *, review_age(created_at, $run_date) AS age
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
), net AS (
    SELECT
        product_id,
        mode(category) AS category,
        count(*) AS reviews,
        net_sentiment_of(sentiment) AS net_sentiment,
        net_sentiment_of(sentiment, age < 7) - net_sentiment_of(sentiment, age BETWEEN 7 AND 13) AS trend_7d,
        net_sentiment_of(sentiment, age < 28) - net_sentiment_of(sentiment, age BETWEEN 28 AND 55) AS trend_28d
    FROM scored
    GROUP BY product_id
), topic_net AS (
    SELECT product_id, topic, net_sentiment_of(sentiment) AS net, count(*) AS mentions
    FROM v_review_topics
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
    GROUP BY ALL
    HAVING count(*) >= $min_topic_mentions
), worst AS (
    SELECT product_id, list(topic ORDER BY net, mentions DESC, topic)[1:3] AS worst_topics
    FROM topic_net
    WHERE net < 0
    GROUP BY product_id
)
SELECT
    n.product_id, n.category, n.reviews, n.net_sentiment, coalesce(w.worst_topics, []) AS worst_topics,
    n.trend_7d, n.trend_28d,
    CASE WHEN n.reviews >= $min_product_reviews
         THEN rank() OVER (PARTITION BY n.reviews >= $min_product_reviews ORDER BY n.net_sentiment, n.reviews DESC) END AS rank
FROM net n
LEFT JOIN worst w USING (product_id);
