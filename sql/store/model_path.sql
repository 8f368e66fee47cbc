-- The checkpoint path a registered model version was stored under (no row: the registry has no such version).
SELECT path FROM model_registry WHERE model_version = $version;
