-- Topic candidates with their example review texts.
SELECT c.candidate_id, c.size, c.terms, list(r.body ORDER BY r.review_id) AS examples
FROM (SELECT candidate_id, size, terms, unnest(example_ids) AS review_id FROM topic_candidates) c
JOIN reviews r USING (review_id)
GROUP BY ALL
ORDER BY c.size DESC;
