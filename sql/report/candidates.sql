-- Topic candidates with their language and example review texts.
SELECT c.candidate_id, c.size, c.language, c.terms, list(r.body ORDER BY c.example_no) AS examples
FROM (SELECT candidate_id, size, language, terms, unnest(example_ids) AS review_id,
             generate_subscripts(example_ids, 1) AS example_no
      FROM topic_candidates) c
JOIN reviews r USING (review_id)
GROUP BY ALL
ORDER BY c.size DESC;
