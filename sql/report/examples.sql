-- Example reviews per topic and sentiment with the clause that names the topic, for highlighting. Only the
-- examples' aspects are read (a semi join), not every aspect in the store.
WITH picked AS (
    SELECT e.topic, e.sentiment, e.example_no, e.review_id, e.confidence, v.body, v.product_id, v.language
    FROM topic_examples e
    JOIN v_reviews_scored v USING (review_id)
), clause AS (
    SELECT a.review_id, a.topic, arg_max(a.char_start, aspect_strength(a.score, a.sentiment, a.char_start)) AS char_start,
           arg_max(a.char_end, aspect_strength(a.score, a.sentiment, a.char_start)) AS char_end
    FROM review_aspects a
    SEMI JOIN picked p ON p.review_id = a.review_id AND p.topic = a.topic
    WHERE a.model_version = active_model()
    GROUP BY ALL
)
SELECT p.topic, p.sentiment, p.example_no, p.review_id, p.confidence, p.body, p.product_id, p.language,
       c.char_start, c.char_end
FROM picked p
LEFT JOIN clause c ON c.review_id = p.review_id AND c.topic = p.topic
ORDER BY p.topic, p.sentiment, p.example_no;
