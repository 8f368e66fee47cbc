-- The active model's registry row.
SELECT model_version, created_at, preset, metrics FROM model_registry WHERE active;
