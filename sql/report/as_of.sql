-- The run date the insight tables were last rebuilt for: period 0 of insight_topics ends on it; without
-- topics, the newest completed run's date.
SELECT coalesce((SELECT max(period_end)::DATE FROM insight_topics),
                (SELECT max(run_date) FROM runs WHERE status = 'completed')) AS as_of;
