-- Reviews in the emerging-terms window (the 35 days up to the run date) that have no terms yet, or whose body
-- changed since their terms were written; one page at a time, by review_id (keyset paging).
SELECT r.review_id, r.body, r.body_hash AS text_hash
FROM reviews r
LEFT JOIN review_terms t USING (review_id)
WHERE r.created_at < $run_date::DATE + INTERVAL 1 DAY
  AND r.created_at >= $run_date::DATE - INTERVAL 34 DAY
  AND t.text_hash IS DISTINCT FROM r.body_hash
  AND r.review_id > $after
ORDER BY r.review_id
LIMIT $limit;
