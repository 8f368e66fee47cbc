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
