-- Topic mentions and net sentiment per period, review language and category; complete is false for a period
-- that starts before the first review (a partial week, which charts leave out).
SELECT period_start, period_end, language, category_label(category) AS category, topic, mentions, share, net_sentiment,
       prev_mentions, change_net_sentiment,
       period_start >= (SELECT min(day) FROM insight_daily) AS complete
FROM insight_topics
ORDER BY period_end, topic;
