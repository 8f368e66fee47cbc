-- A run's headline figures (reviews, net sentiment, % negative, last 7 days and the 7 before), for the history page.
UPDATE runs SET headline = $headline WHERE run_id = $run_id;
