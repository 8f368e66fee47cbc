-- fills: insight_daily
-- One row per day x product (x category) x language up to the run date.
DELETE FROM insight_daily;

INSERT INTO insight_daily BY NAME
SELECT
    created_at::DATE AS day,
    product_id,
    category,
    language,
    count(*) AS reviews,
    count(*) FILTER (sentiment = 'negative') AS negative,
    count(*) FILTER (sentiment = 'neutral') AS neutral,
    count(*) FILTER (sentiment = 'positive') AS positive,
    net_sentiment_of(sentiment) AS net_sentiment,
    avg(rating) AS avg_rating
FROM v_reviews_scored
WHERE created_at < $run_date::DATE + INTERVAL 1 DAY
GROUP BY ALL;
