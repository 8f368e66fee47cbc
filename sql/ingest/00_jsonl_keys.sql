-- The keys of the JSON objects in ingest_lines, in the order the file first gives them (a plain DISTINCT returns them
-- in any order, and the raw rows kept in reviews_rejected would differ from one ingest of the same file to the next).
SELECT key
FROM (
    SELECT _line, unnest(json_keys(line)) AS key, generate_subscripts(json_keys(line), 1) AS position
    FROM ingest_lines
    WHERE json_valid(line) AND json_type(line) = 'OBJECT'
)
GROUP BY key
ORDER BY min(_line), arg_min(position, _line);
