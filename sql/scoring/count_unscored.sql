-- How many reviews the given model has not scored yet, or scored when the body was different (edited since).
SELECT count(*) FROM reviews_to_score($model_version);
