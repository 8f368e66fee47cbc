-- Training corpus: every review with what can label it (gold label, else rating), oldest first so
-- deduplication keeps the first-written copy of a repeated text.
SELECT review_id, body, language, rating, label, source
FROM reviews
ORDER BY created_at, review_id;
