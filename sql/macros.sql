-- The rules insight and report queries share, each defined once (the COMMENT says what each returns).
-- Re-created on every read-write connect, after the schema and its migrations.

CREATE OR REPLACE MACRO net_sentiment(positive, negative, total) AS
    (positive - negative) * 100.0 / nullif(total, 0);
COMMENT ON MACRO net_sentiment IS 'Percent positive minus percent negative, on -100..100: net_sentiment(6, 2, 10) = 40.0; null when total is 0.';

CREATE OR REPLACE MACRO net_sentiment_of(sentiment) AS
    net_sentiment(count_if(sentiment = 'positive'), count_if(sentiment = 'negative'), count(sentiment)),
    (sentiment, keep) AS
    net_sentiment(count_if(keep AND sentiment = 'positive'), count_if(keep AND sentiment = 'negative'), count_if(keep));
COMMENT ON MACRO net_sentiment_of IS 'Aggregate: net sentiment of a group''s sentiment labels; net_sentiment_of(sentiment, age < 7) counts only the rows where the second argument holds.';

CREATE OR REPLACE MACRO review_age(created_at, run_date) AS
    date_diff('day', created_at::DATE, run_date::DATE);
COMMENT ON MACRO review_age IS 'Whole days from the day a review was written to the run date: 0 = written on the run date.';

CREATE OR REPLACE MACRO active_model() AS
    (SELECT model_version FROM model_registry WHERE active);
COMMENT ON MACRO active_model IS 'model_version of the active model, the one the nightly run scores with (null before one is registered).';

CREATE OR REPLACE MACRO aspect_strength(score, sentiment, char_start) AS
    (abs(score), sentiment = 'negative', -char_start);
COMMENT ON MACRO aspect_strength IS 'The order in which one clause speaks for its topic over another of the same review, for arg_max: the surer one (|score|), of equals a negative one (two polarity phrases that disagree are a complaint an operator must see), then the first. models/inference.Scored.topic_sentiments orders them the same way.';

CREATE OR REPLACE MACRO two_proportion_z(x1, n1, x0, n0) AS
    CASE WHEN n1 > 0 AND n0 > 0 THEN
        (x1 / n1 - x0 / n0)
        / sqrt(greatest((x1 + x0) / (n1 + n0) * (1 - (x1 + x0) / (n1 + n0)) * (1.0 / n1 + 1.0 / n0), 1e-12))
    END;
COMMENT ON MACRO two_proportion_z IS 'z statistic of the rise from share x0 / n0 (baseline) to x1 / n1 (recent), pooled variance: two_proportion_z(30, 60, 20, 200) = 6.90; null when either window is empty. Alerts and emerging terms test with it.';

CREATE OR REPLACE MACRO wilson_lower(successes, n, z := 1.96) AS
    CASE WHEN n > 0 THEN
        (successes / n + z * z / (2 * n) - z * sqrt(successes / n * (1 - successes / n) / n + z * z / (4 * n * n)))
        / (1 + z * z / n)
    END;
COMMENT ON MACRO wilson_lower IS 'Lower end of the Wilson score interval (95% by default) of a share successes / n: wilson_lower(10, 10) = 0.722, wilson_lower(80, 100) = 0.711; null when n is 0. Ranks by it favour shares that are surely high, not lucky small samples.';

CREATE OR REPLACE MACRO wilson_upper(successes, n, z := 1.96) AS
    CASE WHEN n > 0 THEN
        (successes / n + z * z / (2 * n) + z * sqrt(successes / n * (1 - successes / n) / n + z * z / (4 * n * n)))
        / (1 + z * z / n)
    END;
COMMENT ON MACRO wilson_upper IS 'Upper end of the Wilson score interval of successes / n: wilson_upper(0, 10) = 0.278; null when n is 0.';

CREATE OR REPLACE MACRO rankable_product(product_id, category) AS
    nullif(trim(category), '') IS NOT NULL
    AND nullif(trim(product_id), '') IS NOT NULL
    AND NOT regexp_matches(lower(product_id), '(^|[^a-z])(unknown|placeholder)([^a-z]|$)');
COMMENT ON MACRO rankable_product IS 'True for a real product: it has a category and its id is not a placeholder such as snownlp-unknown-product. Placeholders count in totals, never in rankings.';

CREATE OR REPLACE MACRO category_label(category) AS
    coalesce(nullif(trim(category), ''), 'uncategorised');
COMMENT ON MACRO category_label IS 'A category as reports show it: an empty or missing category reads ''uncategorised''.';

CREATE OR REPLACE MACRO leaderboard_products(n) AS TABLE
    SELECT product_id
    FROM insight_products
    WHERE rank IS NOT NULL
    QUALIFY rank <= n OR best_rank <= n
         OR row_number() OVER (PARTITION BY language ORDER BY rank) <= n
         OR row_number() OVER (PARTITION BY language ORDER BY best_rank) <= n;
COMMENT ON MACRO TABLE leaderboard_products IS 'The products a dashboard can list: the n worst (rank) and n best (best_rank), overall and within each language; the drill-down queries fetch data for these only.';

CREATE OR REPLACE MACRO reviews_to_score(for_model) AS TABLE
    SELECT r.review_id, r.body, r.body_hash AS text_hash
    FROM reviews r
    WHERE NOT EXISTS (SELECT 1 FROM review_scores s
                      WHERE s.review_id = r.review_id AND s.model_version = for_model AND s.text_hash = r.body_hash);
COMMENT ON MACRO TABLE reviews_to_score IS 'The reviews a model has not scored, or scored when the body was different (edited since), with the md5 of the body to score (reviews.body_hash, hashed at ingest): what the next run scores.';
