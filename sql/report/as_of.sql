-- The run date the insight tables were last rebuilt for: the newest completed run's (a backfill, always older,
-- rolls its tables back); without runs, the end of insight_topics' period 0. Not topics first: a topic period is kept
-- only where a topic was mentioned, so on a store without a mention in the last week the newest period ended weeks
-- before the run date, and the page and the backfill test went by that day.
SELECT coalesce((SELECT max(run_date) FROM runs WHERE status = 'completed'),
                (SELECT max(period_end)::DATE FROM insight_topics)) AS as_of;
