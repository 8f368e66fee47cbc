"""DuckDB access: one place that opens the store, applies the schema and turns lock errors into sentences."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.errors import UserError

SCHEMA_VERSION = 7


class StoreBusy(UserError):
    """Another process holds the DuckDB file (DuckDB allows one read-write process)."""


class StoreMissing(UserError):
    """A read-only command was pointed at a database that does not exist yet."""


def sql_text(name: str) -> str:
    """The text of a file under sql/, e.g. sql_text('ingest/03_plan.sql')."""
    return resources.files("reviewlens.sql").joinpath(name).read_text(encoding="utf-8")


def sql_files(folder: str) -> list[str]:
    """Names of the .sql files in a folder under sql/, in the order they run (their numeric prefixes)."""
    return sorted(e.name for e in resources.files("reviewlens.sql").joinpath(folder).iterdir() if e.name.endswith(".sql"))


def run_script(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> int:
    """Run every statement of a .sql file; named parameters ($name) are bound, never formatted in.
    Returns the row count DuckDB reports for the last statement (rows inserted, updated or deleted), else 0."""
    changed = 0
    for statement in _statements(sql_text(name)):
        row = con.execute(statement, _used(statement, params)).fetchone()
        changed = row[0] if row else 0
    return changed


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    """The result of a one-statement .sql file as a DataFrame; only the parameters it names are bound."""
    statement = sql_text(name)
    return con.execute(statement, _used(statement, params)).fetchdf()


def _used(statement: str, params: dict | None) -> dict | None:
    """DuckDB refuses named parameters a statement does not use, so bind only those it names."""
    return {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", statement)} or None


def _statements(script: str) -> list[str]:
    """Split a script on ';' at line ends (our SQL files keep one statement per ';'-terminated block)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in re.split(r";\s*$", "\n".join(lines), flags=re.M) if s.strip()]


def connect(db_path: Path, read_only: bool = False, settings: Settings | None = None, wait_s: float = 0.0,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store; a second writer gets StoreBusy with a sentence a user can act on, at once or, with `wait_s`,
    after retrying for that long with a doubling pause (each pause told to `on_wait`): the nightly run waits out an
    ingest or a live query rather than losing the night. DuckDB's memory cap, threads and spill folder come from
    `settings` (default: load_settings(), what every command reads), so a night's memory stays flat however large
    the store: DuckDB otherwise caches up to 80% of the machine's RAM."""
    if read_only and not db_path.exists():
        raise StoreMissing(f"there is no database at {db_path} yet; run `reviewlens ingest` or `reviewlens demo` first.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline, pause = time.monotonic() + wait_s, 1.0
    while True:
        try:
            con = _open(db_path, read_only)
            break
        except StoreBusy as busy:
            left = deadline - time.monotonic()
            if left <= 0:
                if wait_s > 0:
                    raise StoreBusy(f"{str(busy).split(';')[0]}, and still was after waiting {wait_s:g} s; "
                                    "let it finish and run again.") from None
                raise
            pause = min(pause, left)
            if on_wait:
                on_wait(f"{str(busy).split(';')[0]}; waiting {pause:.3g} s ({wait_s - left:.0f} of {wait_s:g} s waited)")
            time.sleep(pause)
            pause = min(pause * 2, 30.0)
    con.execute("SET TimeZone = 'UTC'")
    try:
        apply_limits(con, settings or load_settings())
        if not read_only:
            migrate(con)
    except BaseException:
        con.close()
        raise
    return con


def _open(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            holder = re.search(r"\(PID (\d+)\)", str(exc))
            pid = f" (process {holder.group(1)})" if holder else ""
            raise StoreBusy(
                f"another reviewlens run is using {db_path}{pid}; wait for it to finish and try again."
            ) from None
        raise


def apply_limits(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """db_memory_limit, db_threads and db_temp_directory on this connection's database. SET takes no parameters, so
    values are written into the statement: safe because Settings refuses to exist with a memory limit that is not a
    plain size or a negative thread count (flows/config.py RULES), and the folder's quotes are doubled."""
    con.execute(f"SET memory_limit = '{settings.db_memory_limit.strip()}'")
    if settings.db_threads:
        con.execute(f"SET threads = {int(settings.db_threads)}")
    if settings.db_temp_directory:
        folder = Path(settings.db_temp_directory).expanduser()
        con.execute(f"SET temp_directory = '{str(folder).replace(chr(39), chr(39) * 2)}'")


# Tables that hold what only the user can give back (reviews, models, run history); every other table is derived
# from these by a nightly run, so one that went missing is made again, empty, and refilled by the next run.
SOURCE_TABLES = ("schema_version", "reviews", "reviews_rejected", "model_registry", "runs")


class StoreDamaged(UserError):
    """A table that holds the user's own data is missing: nothing reviewlens can rebuild."""


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the database to SCHEMA_VERSION: schema.sql, then each sql/migrations/N_*.sql not yet applied;
    then re-create the shared macros (sql/macros.sql) and the analyst views (sql/views/), so every store,
    however old, has their current definitions. A derived table someone dropped is created again with its
    current columns (every schema file is idempotent, so all of them run again); a missing source table is
    named and nothing is changed."""
    existing = set(query(con, "store/tables.sql").table_name)
    if "schema_version" in existing:
        lost = [t for t in SOURCE_TABLES if t not in existing]
        if lost:
            raise StoreDamaged(f"the store has lost its table{'s' * (len(lost) > 1)} "
                               f"{', '.join(lost)}; restore the file from a backup (reviewlens cannot rebuild "
                               "reviews, models or run history).")
    rebuild = "schema_version" in existing and bool(defined_tables() - existing)
    with transaction(con):
        run_script(con, "schema.sql")
        con.execute("INSERT INTO schema_version (version) VALUES (1) ON CONFLICT DO NOTHING")
        current = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        for name in sql_files("migrations"):
            version = int(name.split("_", 1)[0])
            if version > current or rebuild:
                run_script(con, f"migrations/{name}")
                con.execute("INSERT INTO schema_version (version) VALUES (?) ON CONFLICT DO NOTHING", [version])
                current = max(current, version)
        run_script(con, "macros.sql")
        for name in sql_files("views"):
            run_script(con, f"views/{name}")
    return current


def defined_tables() -> set[str]:
    """Every table schema.sql and the migrations create."""
    texts = [sql_text("schema.sql"), *(sql_text(f"migrations/{name}") for name in sql_files("migrations"))]
    return {name for text in texts for name in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", text)}


_in_transaction: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit on success, roll back on any exception. Inside another transaction() block on the
    same connection it joins that one, so several steps that each keep themselves whole can also be made one unit
    (the outermost block commits or rolls back everything)."""
    if con in _in_transaction:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _in_transaction.add(con)
    try:
        yield con
    except BaseException:
        _rollback(con)
        raise
    finally:
        _in_transaction.discard(con)
    con.execute("COMMIT")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; an error that already ended the transaction (a failed COMMIT, a full disk) stays the one raised."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def quote_ident(name: str) -> str:
    """A column name as a SQL identifier (names come from user files; values are always bound)."""
    return '"' + name.replace('"', '""') + '"'
