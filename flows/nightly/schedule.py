"""`reviewlens serve`: the nightly deployment on a cron schedule, with a local Prefect server when none is set.

A Prefect schedule only fires while a Prefect server runs; without PREFECT_API_URL we start one on
127.0.0.1 (analytics off) and stop it on exit. The plain OS-cron alternative is `reviewlens run`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from collections.abc import Iterator

from prefect.schedules import Cron
from rich.console import Console

from reviewlens.flows.config import Settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.nightly.flow import nightly

DEPLOYMENT = "reviewlens-nightly"


def nightly_deployment(cron: str, timezone: str, settings: Settings):
    """The nightly flow as a deployment with a cron schedule in the given time zone."""
    try:
        schedule = Cron(cron, timezone=timezone)
    except Exception as exc:  # prefect validates cron and zone names with pydantic/croniter
        raise UserError(f"--cron {cron!r} with --timezone {timezone!r} is not a valid schedule ({str(exc).splitlines()[0]}).") from None
    return nightly.to_deployment(name=DEPLOYMENT, schedules=[schedule], parameters={"home": str(settings.home.resolve())})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_prefect_server(console: Console) -> Iterator[str]:
    """A `prefect server start` on 127.0.0.1 for as long as the block runs."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise UserError("the local Prefect server did not start; set PREFECT_API_URL to a running server.")
                time.sleep(1)
        console.print(f"started a local Prefect server at {url} (UI: http://127.0.0.1:{port})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def serve_nightly(cron: str, timezone: str, settings: Settings, console: Console) -> None:
    deployment = nightly_deployment(cron, timezone, settings)
    if os.environ.get("PREFECT_API_URL"):
        from prefect import serve
        serve(deployment)
        return
    with local_prefect_server(console) as url:
        from prefect.settings import PREFECT_API_URL, temporary_settings
        with temporary_settings({PREFECT_API_URL: url}):
            from prefect import serve
            console.print(f"serving {DEPLOYMENT}: '{cron}' ({timezone}); Ctrl+C stops it")
            serve(deployment)
