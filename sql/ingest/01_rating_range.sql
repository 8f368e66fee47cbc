-- The ratings a file gives, for flows/ingest/rating_scale.py: how many rows have a numeric rating, how many of
-- those lie above the scale's top ($rating_high), and the lowest and highest.
SELECT count(rating_given) AS rated,
       count(*) FILTER (WHERE rating_given > $rating_high) AS above,
       min(rating_given) AS lowest,
       max(rating_given) AS highest
FROM ingest_staged;
