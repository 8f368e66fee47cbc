-- Example reviews per topic and sentiment with the clause that names the topic, for highlighting.
SELECT e.topic, e.sentiment, e.example_no, e.review_id, e.confidence, v.body, v.product_id, v.language,
       a.char_start, a.char_end
FROM topic_examples e
JOIN v_reviews_scored v USING (review_id)
LEFT JOIN (
    SELECT review_id, topic, arg_max(char_start, abs(score)) AS char_start, arg_max(char_end, abs(score)) AS char_end
    FROM review_aspects
    WHERE model_version = active_model()
    GROUP BY ALL
) a ON a.review_id = e.review_id AND a.topic = e.topic
ORDER BY e.topic, e.sentiment, e.example_no;
