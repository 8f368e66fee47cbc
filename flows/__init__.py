"""reviewlens flows: Prefect flows, the CLI, config and DuckDB access.

Prefect is kept quiet and local before it is first imported: no analytics, no telemetry, and enough
time for its temporary API server to start on a 2-core machine.
"""

import os

for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}.items():
    os.environ.setdefault(_name, _value)
