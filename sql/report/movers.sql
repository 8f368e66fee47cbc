-- Topics that moved most in the last 7 days against the 7 before, per review language and category: the
-- largest drops in net sentiment among topics with at least $min_mentions mentions in both weeks.
SELECT language, category_label(category) AS category, topic, mentions, prev_mentions, net_sentiment,
       prev_net_sentiment, change_net_sentiment
FROM insight_topics
WHERE period_end = $run_date::DATE AND mentions >= $min_mentions AND prev_mentions >= $min_mentions
  AND change_net_sentiment < 0
ORDER BY change_net_sentiment, mentions DESC, topic
LIMIT 12;
