"""The analysts' snapshot: a read-only copy of the store that each completed nightly run publishes and that
`reviewlens sql` reads, so a query, however long, never holds the live store that the next run must write."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import quote_ident, run_script
from reviewlens.models.atomic import atomic_path

SNAPSHOT_FILE = "analytics.duckdb"


class NoSnapshot(UserError):
    """No nightly run has completed on this store yet, so there is nothing for analysts to read."""


def snapshot_path(home: Path) -> Path:
    return home / SNAPSHOT_FILE


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path, run_id: str, run_date: date,
                     published_at: datetime) -> None:
    """Copy every table, view and macro of the store into a new file beside `target`, then rename it over the old
    snapshot: a reader that has the old one open keeps reading it whole, the next one opens the new one."""
    store = con.execute("SELECT current_database()").fetchone()[0]
    with atomic_path(target) as partial:
        Path(f"{partial}.wal").unlink(missing_ok=True)          # a killed publish's log must not replay into this copy
        con.execute("ATTACH ? AS snapshot", [str(partial)])
        try:
            con.execute(f"COPY FROM DATABASE {quote_ident(store)} TO snapshot")    # identifiers cannot be bound
            run_script(con, "snapshot/info.sql", {"run_id": run_id, "run_date": run_date, "published_at": published_at})
        finally:
            con.execute("DETACH snapshot")
        os.chmod(partial, 0o444)


def require_snapshot(home: Path) -> Path:
    path = snapshot_path(home)
    if not path.is_file():
        raise NoSnapshot(f"no nightly run has published tables for analysts yet ({path}); run `reviewlens run` "
                         "first, or pass --live to query the live store.")
    return path
