"""SQL files: the schema, migrations, views and one file per insight table (data, read with importlib.resources)."""
