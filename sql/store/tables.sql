-- The tables the store has now (migrate compares them with those schema.sql and the migrations define).
SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
