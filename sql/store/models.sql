-- `reviewlens models`: every trained model (its version begins with its preset) and its headline figures on the
-- fixed test split, oldest first.
SELECT model_version,
       CASE WHEN active THEN 'yes' ELSE '' END AS active,
       round((metrics->'sentiment'->'zh'->'model'->>'accuracy')::DOUBLE, 3) AS zh_accuracy,
       round((metrics->'sentiment'->'en'->'model'->>'macro_f1')::DOUBLE, 3) AS en_macro_f1,
       strftime(created_at, '%Y-%m-%d %H:%M') AS created
FROM model_registry
ORDER BY created_at
