-- The valid rows 01_stage.sql left without a language (bodies in Latin letters): the head of each body, for
-- flows/ingest/language.py to tell English from other Latin-script languages.
SELECT _line, left(body, $chars) AS head
FROM ingest_staged
WHERE language IS NULL AND reason IS NULL;
