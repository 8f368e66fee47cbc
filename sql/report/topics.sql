-- Topic mentions and net sentiment per period and category.
SELECT period_start, period_end, coalesce(category, '(none)') AS category, topic, mentions, share, net_sentiment,
       prev_mentions, change_net_sentiment
FROM insight_topics
ORDER BY period_end, topic;
