-- The reviews behind each of the run date's alerts: its three most surely negative reviews of the last 7 days
-- (for a topic, the reviews negative about that topic, with the clause that names it), each text once.
WITH alert AS (
    SELECT scope, scope_id FROM alerts WHERE run_date = $run_date::DATE
), recent AS (
    SELECT * FROM v_reviews_scored
    WHERE sentiment = 'negative' AND created_at < $run_date::DATE + INTERVAL 1 DAY AND review_age(created_at, $run_date) < 7
), recent_topics AS (
    SELECT * FROM v_review_topics
    WHERE sentiment = 'negative' AND created_at < $run_date::DATE + INTERVAL 1 DAY AND review_age(created_at, $run_date) < 7
), matched AS (
    SELECT a.scope, a.scope_id, r.review_id, NULL AS topic
    FROM alert a JOIN recent r ON a.scope = 'product' AND r.product_id = a.scope_id
    UNION ALL
    SELECT a.scope, a.scope_id, r.review_id, NULL FROM alert a JOIN recent r ON a.scope = 'category' AND r.category = a.scope_id
    UNION ALL
    SELECT a.scope, a.scope_id, t.review_id, t.topic FROM alert a JOIN recent_topics t ON a.scope = 'topic' AND t.topic = a.scope_id
    UNION ALL
    SELECT a.scope, a.scope_id, t.review_id, t.topic
    FROM alert a JOIN recent_topics t ON a.scope = 'topic_category' AND t.topic || ' @ ' || t.category = a.scope_id
), distinct_text AS (
    SELECT m.scope, m.scope_id, m.topic, v.review_id, v.product_id, category_label(v.category) AS category, v.language,
           v.body, strftime(v.created_at, '%Y-%m-%d') AS day, v.p_negative
    FROM matched m
    JOIN v_reviews_scored v USING (review_id)
    QUALIFY row_number() OVER (PARTITION BY m.scope, m.scope_id, lower(regexp_replace(trim(v.body), '\s+', ' ', 'g'))
                               ORDER BY v.p_negative DESC, v.review_id) = 1
), picked AS (
    SELECT * FROM distinct_text
    QUALIFY row_number() OVER (PARTITION BY scope, scope_id ORDER BY p_negative DESC, review_id) <= 3
), clause AS (                            -- only the picked reviews' aspects, not every aspect in the store
    SELECT a.review_id, a.topic, arg_max(a.char_start, aspect_strength(a.score, a.sentiment, a.char_start)) AS char_start,
           arg_max(a.char_end, aspect_strength(a.score, a.sentiment, a.char_start)) AS char_end
    FROM review_aspects a
    SEMI JOIN picked p ON p.review_id = a.review_id AND p.topic = a.topic
    WHERE a.model_version = active_model()
    GROUP BY ALL
)
SELECT p.scope, p.scope_id, p.review_id, p.product_id, p.category, p.language, p.body, p.day, p.p_negative,
       c.char_start, c.char_end
FROM picked p
LEFT JOIN clause c ON c.review_id = p.review_id AND c.topic = p.topic
ORDER BY p.scope, p.scope_id, p.p_negative DESC, p.review_id;
