"""`reviewlens sql`: read-only queries for analysts, printed as a table or written as CSV, JSON Lines or Parquet.

Three layers: only one plain query passes the statement check (SELECT, WITH, VALUES, FROM, or EXPLAIN of one);
it runs on a read-only connection with no file access, a memory cap and locked settings; and its rows are
streamed in batches under a time limit, so a huge result is never held whole. An output file is written beside
its target and renamed over it only when every row is in, and never onto the store or a model: a query that
fails or runs out of time leaves the target as it was."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import connect
from reviewlens.models.atomic import atomic_path

MAX_PRINTED_ROWS = 200
BATCH_ROWS = 65_536
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MEMORY_LIMIT = "2GB"
# EXPLAIN [ANALYZE] at the start, after any comments: what follows must itself be a query
_EXPLAIN = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\s+)?", re.IGNORECASE | re.DOTALL)


class QueryRefused(UserError):
    """A statement that would change the store, or a query DuckDB could not run."""


def check_read_only(query: str) -> None:
    """Refuse anything but one plain query (or a plain EXPLAIN of one) before the database is even opened."""
    statements = _parse(query)
    if not statements:
        raise QueryRefused("the query is empty; pass a SELECT statement.")
    if len(statements) > 1:
        raise QueryRefused("`reviewlens sql` is read-only and refuses more than one statement; run one query at a time.")
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        explained = _EXPLAIN.match(statement.query)
        inner = _parse(statement.query[explained.end():]) if explained else []
        if len(inner) != 1 or inner[0].type != duckdb.StatementType.SELECT:
            kind = inner[0].type.name if len(inner) == 1 else "anything but a plain query"
            raise QueryRefused(f"`reviewlens sql` is read-only and refuses EXPLAIN of {kind}; explain a SELECT query.")
    elif statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"`reviewlens sql` is read-only and refuses {statement.type.name} statements; use a SELECT query.")


def _parse(query: str) -> list:
    try:
        return duckdb.connect().extract_statements(query)
    except duckdb.Error as exc:
        raise QueryRefused(f"the query does not parse: {str(exc).splitlines()[0]}") from None


@contextmanager
def sandbox(db_path: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with no file-system access and a memory cap, its settings locked."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit):
        raise UserError(f"memory limit {memory_limit!r} is not a size such as 512MB or 2GB.")
    con = connect(db_path, read_only=True)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{memory_limit}'")      # checked above; SET takes no parameters
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


@contextmanager
def batches(db_path: Path, query: str, timeout: float = DEFAULT_TIMEOUT_S, memory_limit: str = DEFAULT_MEMORY_LIMIT,
            batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatchReader]:
    """The query's rows as a stream of Arrow batches; past `timeout` seconds (running or reading) it is
    interrupted, and every DuckDB error becomes one sentence."""
    if timeout <= 0:
        raise UserError(f"--timeout must be more than 0 seconds (got {timeout:g}).")
    check_read_only(query)
    with sandbox(db_path, memory_limit) as con:
        timer = threading.Timer(timeout, _interrupt, [con])
        timer.start()
        try:
            yield con.sql(query).to_arrow_reader(batch_rows)      # a relation's reader streams; execute()'s does not
        except duckdb.Error as exc:
            raise _refusal(exc, timeout, memory_limit) from None
        except (OSError, pa.ArrowException) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:      # the file system's (a full disk), not DuckDB's
                raise
            raise _refusal(exc, timeout, memory_limit) from None        # DuckDB's error, met while streaming
        finally:
            timer.cancel()


def _refusal(exc: Exception, timeout: float, memory_limit: str) -> QueryRefused:
    """One sentence for a DuckDB error, raised by DuckDB itself or handed on by Arrow's stream as an OSError."""
    text = str(exc)
    if isinstance(exc, duckdb.InterruptException) or text.startswith("INTERRUPT"):
        return QueryRefused(f"the query ran longer than {timeout:g} s and was stopped; narrow it (WHERE, LIMIT) "
                            "or pass a larger --timeout.")
    if isinstance(exc, duckdb.OutOfMemoryException) or text.startswith("Out of Memory"):
        return QueryRefused(f"the query needs more than {memory_limit} of memory; aggregate or filter it, "
                            "or add a LIMIT.")
    return QueryRefused(f"the query failed: {text.splitlines()[0] if text else type(exc).__name__}")


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.interrupt()
    except duckdb.ConnectionException:    # finished and closed just now
        pass


def run_query(db_path: Path, query: str, fmt: str, output: Path | None, console: Console,
              timeout: float = DEFAULT_TIMEOUT_S, memory_limit: str = DEFAULT_MEMORY_LIMIT,
              protected: tuple[Path, ...] = ()) -> None:
    """Print the result, or write it to `output`; `protected` names files and folders (the store, the models) that
    no output may replace or land inside."""
    if fmt not in {"table", "csv", "jsonl", "parquet"}:
        raise UserError(f"--format {fmt!r} is not one of table, csv, jsonl (JSON Lines), parquet.")
    if fmt == "parquet" and output is None:
        raise UserError("--format parquet needs --output FILE.")
    if output is not None:
        check_output(output, (db_path, *protected))
    if fmt == "table":
        with batches(db_path, query, timeout, memory_limit, batch_rows=MAX_PRINTED_ROWS + 1) as reader:
            shown = _first_rows(reader, MAX_PRINTED_ROWS + 1)
        table = Table(*shown.column_names)
        for row in shown.slice(0, MAX_PRINTED_ROWS).to_pylist():
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        console.print(table)
        if shown.num_rows > MAX_PRINTED_ROWS:
            console.print(f"(more than {MAX_PRINTED_ROWS} rows; first {MAX_PRINTED_ROWS} shown; use --format csv --output FILE)")
        return
    if output is None:
        with batches(db_path, query, timeout, memory_limit) as reader:
            _write(reader, fmt, None, console)
        return
    with atomic_path(output) as partial, batches(db_path, query, timeout, memory_limit) as reader:
        rows = _write(reader, fmt, partial, console)
    console.print(f"wrote {rows:,} rows to {output}")


def check_output(output: Path, protected: tuple[Path, ...]) -> None:
    """Refuse, in one sentence, a target that is a folder, has no folder, is or lies inside a protected path (or
    the database's write-ahead log and spill folder), or is any DuckDB database."""
    if output.is_dir():
        raise UserError(f"--output {output} is a folder; name a file in it, e.g. {output / 'result.csv'}.")
    if not output.parent.is_dir():
        raise UserError(f"--output {output}: the folder {output.parent} does not exist; create it first.")
    target = output.resolve()
    for path in protected:
        guarded = path.resolve()
        near = (guarded, guarded.with_name(guarded.name + ".wal"), guarded.with_name(guarded.name + ".tmp"))
        if target in near or any(place in target.parents for place in near):
            raise UserError(f"--output {output} would overwrite reviewlens's own {path}; write the result somewhere else.")
    if _is_duckdb_file(target):
        raise UserError(f"--output {output} is a DuckDB database; write the result to a new file instead.")


def _is_duckdb_file(path: Path) -> bool:
    """DuckDB files carry the magic bytes 'DUCK' at offset 8."""
    try:
        with path.open("rb") as file:
            return file.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _first_rows(reader: pa.RecordBatchReader, n: int) -> pa.Table:
    """At most n rows from the stream; the rest is never read."""
    taken, count = [], 0
    for batch in reader:
        taken.append(batch.slice(0, n - count))
        count += taken[-1].num_rows
        if count >= n:
            break
    return pa.Table.from_batches(taken, schema=reader.schema)


def _write(reader: pa.RecordBatchReader, fmt: str, output: Path | None, console: Console) -> int:
    """Write the stream batch by batch to the file (or the console); returns the number of rows."""
    rows = 0
    if fmt == "parquet":
        with pq.ParquetWriter(output, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows
    if fmt == "csv" and output:
        with pa_csv.CSVWriter(output, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows
    sink = output.open("w", encoding="utf-8") if output else None
    try:
        for number, batch in enumerate(reader):
            frame = batch.to_pandas()
            if fmt == "csv":
                text = frame.to_csv(index=False, header=number == 0)
            else:
                text = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False) if len(frame) else ""
                text = text if not text or text.endswith("\n") else text + "\n"
            if sink:
                sink.write(text)
            else:
                console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
            rows += batch.num_rows
        if fmt == "csv" and rows == 0:                          # no rows: the header still says what came back
            text = ",".join(reader.schema.names) + "\n"
            sink.write(text) if sink else console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
    finally:
        if sink:
            sink.close()
    return rows
