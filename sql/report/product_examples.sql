-- For the leaderboard drill-down: each listed product's most helpful negative reviews, each text once (a review
-- posted twice, or two reviews saying the same words, is one example). The data has no helpfulness votes, so
-- "most helpful" is the review that names the most topics, then the longest (up to 400 characters), then the
-- most surely negative.
WITH negative AS (
    SELECT product_id, review_id, body, rating, strftime(created_at, '%Y-%m-%d') AS day, topics, p_negative
    FROM v_reviews_scored
    WHERE product_id IN (SELECT product_id FROM leaderboard_products($leaderboard_size))
      AND sentiment = 'negative' AND created_at < $run_date::DATE + INTERVAL 1 DAY
    QUALIFY row_number() OVER (PARTITION BY product_id, lower(regexp_replace(trim(body), '\s+', ' ', 'g'))
                               ORDER BY len(topics) DESC, p_negative DESC, review_id) = 1
)
SELECT product_id, review_id, body, rating, day, topics
FROM negative
QUALIFY row_number() OVER (PARTITION BY product_id
                           ORDER BY len(topics) DESC, least(length(body), 400) DESC, p_negative DESC, review_id) <= 3
ORDER BY product_id, len(topics) DESC, least(length(body), 400) DESC, p_negative DESC, review_id;
