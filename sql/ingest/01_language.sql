-- Write the languages flows/ingest/language.py found (registered as ingest_detected: _line, language).
UPDATE ingest_staged AS s SET language = d.language
FROM ingest_detected d
WHERE s._line = d._line;
