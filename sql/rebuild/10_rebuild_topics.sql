-- The review x topic mentions up to the run date (v_review_topics), computed once per insight rebuild into a
-- temporary table that 20_insight_topics, 30_insight_products, 40_topic_examples and 60_alerts read: the view's
-- joins and aggregation were most of each file's time, four times over. It lives in the rebuild's transaction
-- (flows/nightly/insights.py drops it after the files; a rollback removes it too).
CREATE OR REPLACE TEMP TABLE rebuild_topics AS
SELECT review_id, product_id, category, language, created_at, topic, sentiment
FROM v_review_topics
WHERE created_at < $run_date::DATE + INTERVAL 1 DAY;
