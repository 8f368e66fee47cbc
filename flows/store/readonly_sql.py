"""`reviewlens sql`: read-only queries for analysts, printed as a table or written as CSV, JSON Lines or Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import connect

READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
MAX_PRINTED_ROWS = 200


class QueryRefused(UserError):
    """A statement that would change the store, or a query DuckDB could not run."""


def check_read_only(query: str) -> None:
    """Refuse anything but SELECT/EXPLAIN before the database is even opened."""
    try:
        statements = duckdb.connect().extract_statements(query)
    except duckdb.Error as exc:
        raise QueryRefused(f"the query does not parse: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise QueryRefused("the query is empty; pass a SELECT statement.")
    for statement in statements:
        if statement.type not in READ_ONLY_STATEMENTS:
            kind = statement.type.name
            raise QueryRefused(f"`reviewlens sql` is read-only and refuses {kind} statements; use a SELECT query.")


def query_table(db_path: Path, query: str):
    """The query's result as an Arrow table, from a read-only connection with no file-system access."""
    check_read_only(query)
    con = connect(db_path, read_only=True)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con.sql(query).to_arrow_table()
    except duckdb.Error as exc:
        raise QueryRefused(f"the query failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()


def run_query(db_path: Path, query: str, fmt: str, output: Path | None, console: Console) -> None:
    if fmt not in {"table", "csv", "jsonl", "parquet"}:
        raise UserError(f"--format {fmt!r} is not one of table, csv, jsonl (JSON Lines), parquet.")
    if fmt == "parquet" and output is None:
        raise UserError("--format parquet needs --output FILE.")
    result = query_table(db_path, query)
    if fmt == "table":
        table = Table(*result.column_names)
        for row in result.slice(0, MAX_PRINTED_ROWS).to_pylist():
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        console.print(table)
        if result.num_rows > MAX_PRINTED_ROWS:
            console.print(f"({result.num_rows:,} rows; first {MAX_PRINTED_ROWS} shown; use --format csv --output FILE)")
        return
    if fmt == "parquet":
        pq.write_table(result, output)
    elif fmt == "csv":
        if output:
            pa_csv.write_csv(result, output)
        else:
            console.print(result.to_pandas().to_csv(index=False), end="", markup=False, highlight=False, soft_wrap=True)
    else:
        text = result.to_pandas().to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
    if output:
        console.print(f"wrote {result.num_rows:,} rows to {output}")
