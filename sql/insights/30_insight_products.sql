-- fills: insight_products
-- Per product volume, net sentiment, 95% Wilson intervals of the negative and positive shares, worst topics,
-- 7- and 28-day trends, and two ranks among real products (macro rankable_product) with enough reviews:
-- rank (needs attention, 1 = worst) by the share of negative reviews the product surely has (wilson_lower),
-- best_rank (1 = best) by the share of positive reviews it surely has. A lower bound ranks a product with
-- 10 reviews, all positive, below one with 500 reviews, 90% positive: small samples are not lucky winners.
-- Bounds and ranks are over the ranking window ($ranking_days days ending on the run date), so a product last
-- reviewed a year ago is not ranked; trends are over the weeks ending on the product's own last review, so a
-- product reviewed a few times a week, or not lately, still has one.
DELETE FROM insight_products;

INSERT INTO insight_products BY NAME
WITH scored AS (
    SELECT *, review_age(created_at, $run_date) < $ranking_days AS recent,
           review_age(created_at, max(created_at) OVER (PARTITION BY product_id)) AS age   -- days before its last review
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
), net AS (
    SELECT
        product_id,
        mode(category) AS category,
        mode(language) AS language,
        count(*) AS reviews,
        count_if(sentiment = 'negative') AS negative,
        count_if(sentiment = 'positive') AS positive,
        net_sentiment_of(sentiment) AS net_sentiment,
        max(created_at)::DATE AS last_review,
        count_if(recent) AS recent_reviews,
        count_if(recent AND sentiment = 'negative') AS recent_negative,
        count_if(recent AND sentiment = 'positive') AS recent_positive,
        net_sentiment_of(sentiment, age < 7) - net_sentiment_of(sentiment, age BETWEEN 7 AND 13) AS trend_7d,
        net_sentiment_of(sentiment, age < 28) - net_sentiment_of(sentiment, age BETWEEN 28 AND 55) AS trend_28d
    FROM scored
    GROUP BY product_id
), bounded AS (
    SELECT *,
           rankable_product(product_id, category) AS rankable,
           rankable_product(product_id, category) AND recent_reviews >= $min_product_reviews AS ranked,
           wilson_lower(recent_negative, recent_reviews) AS negative_low, wilson_upper(recent_negative, recent_reviews) AS negative_high,
           wilson_lower(recent_positive, recent_reviews) AS positive_low, wilson_upper(recent_positive, recent_reviews) AS positive_high
    FROM net
), topic_net AS (
    SELECT product_id, topic, net_sentiment_of(sentiment) AS net, count(*) AS mentions
    FROM rebuild_topics                         -- v_review_topics up to the run date (sql/rebuild/)
    GROUP BY ALL
    HAVING count(*) >= $min_topic_mentions
), worst AS (
    SELECT product_id, list(topic ORDER BY net, mentions DESC, topic)[1:3] AS worst_topics
    FROM topic_net
    WHERE net < 0
    GROUP BY product_id
)
SELECT
    b.product_id, b.category, b.language, b.reviews, b.negative, b.positive, b.net_sentiment, b.last_review,
    b.recent_reviews, b.recent_negative, b.recent_positive,
    b.negative_low, b.negative_high, b.positive_low, b.positive_high, b.rankable,
    coalesce(w.worst_topics, []) AS worst_topics, b.trend_7d, b.trend_28d,
    CASE WHEN b.ranked
         THEN row_number() OVER (PARTITION BY b.ranked ORDER BY b.negative_low DESC, b.recent_reviews DESC, b.product_id) END AS rank,
    CASE WHEN b.ranked
         THEN row_number() OVER (PARTITION BY b.ranked ORDER BY b.positive_low DESC, b.recent_reviews DESC, b.product_id) END AS best_rank
FROM bounded b
LEFT JOIN worst w USING (product_id);
