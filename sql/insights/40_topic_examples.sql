-- fills: topic_examples
-- Per topic and sentiment, the most confident reviews, at most one per opening phrase
-- (so near-identical reviews do not crowd the list).
-- The best review of each opening is an aggregate (arg_min over (-confidence, review_id): highest confidence,
-- then the smallest id), not a window over every mention; the opening is computed once per review, from the
-- first 48 characters when they give 24 (collapsing whitespace in a prefix gives a prefix of the collapsed body).
DELETE FROM topic_examples;

INSERT INTO topic_examples BY NAME
WITH heads AS (
    SELECT review_id, body, p_negative, p_neutral, p_positive, regexp_replace(left(body, 48), '\s+', ' ', 'g') AS head
    FROM v_reviews_scored
    WHERE created_at < $run_date::DATE + INTERVAL 1 DAY AND length(body) BETWEEN 20 AND 600
), openings AS (
    SELECT review_id, p_negative, p_neutral, p_positive,
           lower(left(CASE WHEN length(head) >= 24 THEN head ELSE regexp_replace(body, '\s+', ' ', 'g') END, 24)) AS opening
    FROM heads
), mentions AS (
    SELECT t.topic, t.sentiment, t.review_id, o.opening,
           CASE t.sentiment WHEN 'positive' THEN o.p_positive WHEN 'negative' THEN o.p_negative ELSE o.p_neutral END AS confidence
    FROM rebuild_topics t                       -- v_review_topics up to the run date (sql/rebuild/)
    JOIN openings o USING (review_id)
), candidates AS (
    SELECT topic, sentiment, opening,
           arg_min(review_id, (-confidence, review_id)) AS review_id, max(confidence) AS confidence
    FROM mentions
    GROUP BY topic, sentiment, opening
)
SELECT topic, sentiment, example_no, review_id, confidence
FROM (
    SELECT *, row_number() OVER (PARTITION BY topic, sentiment ORDER BY confidence DESC, review_id) AS example_no
    FROM candidates
)
WHERE example_no <= $examples_per_topic;
