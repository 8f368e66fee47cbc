-- Sources whose dates are simulated (the demo corpora have none) and how many reviews each gave: the page
-- says so, and what a demo scenario moved.
SELECT source, count(*) AS reviews
FROM reviews
WHERE source ILIKE '%simulated%'
GROUP BY source
ORDER BY reviews DESC;
