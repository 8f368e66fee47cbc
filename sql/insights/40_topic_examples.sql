-- fills: topic_examples
-- Per topic and sentiment, the most confident reviews, at most one per opening phrase
-- (so near-identical reviews do not crowd the list).
DELETE FROM topic_examples;

INSERT INTO topic_examples BY NAME
WITH candidates AS (
    SELECT t.topic, t.sentiment, t.review_id,
           CASE t.sentiment WHEN 'positive' THEN v.p_positive WHEN 'negative' THEN v.p_negative ELSE v.p_neutral END AS confidence,
           lower(left(regexp_replace(v.body, '\s+', ' ', 'g'), 24)) AS opening
    FROM v_review_topics t
    JOIN v_reviews_scored v USING (review_id)
    WHERE t.created_at < $run_date::DATE + INTERVAL 1 DAY AND length(v.body) BETWEEN 20 AND 600
    QUALIFY row_number() OVER (PARTITION BY t.topic, t.sentiment, opening ORDER BY confidence DESC, t.review_id) = 1
)
SELECT topic, sentiment, example_no, review_id, confidence
FROM (
    SELECT *, row_number() OVER (PARTITION BY topic, sentiment ORDER BY confidence DESC, review_id) AS example_no
    FROM candidates
)
WHERE example_no <= $examples_per_topic;
