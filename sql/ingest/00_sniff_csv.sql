-- The dialect DuckDB detects in a CSV file, for _csv_physical_lines when the reader did not report the one it used
-- ('(empty)' is sniff_csv's word for no quote or escape character).
SELECT Delimiter, Quote, Escape, SkipRows
FROM sniff_csv($file, header = true, all_varchar = true, ignore_errors = true, max_line_size = $max_record_bytes);
