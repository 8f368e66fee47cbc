"""Bulk ingest of CSV, Parquet and JSON Lines into `reviews`: DuckDB readers, SQL validation, one transaction per file."""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.connection import quote_ident, run_script, transaction

CONTRACT_COLUMNS = ("review_id", "product_id", "category", "rating", "title", "body", "language", "created_at", "label")
REQUIRED_COLUMNS = ("review_id", "product_id", "body", "created_at")
PARSE_REASONS = {"invalid_encoding", "malformed_row", "invalid_json"}  # rows the reader itself could not parse
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


class IngestError(UserError):
    """A file that cannot be ingested at all; nothing was changed. The message names the fix."""


@dataclass
class IngestSummary:
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0                      # older than the stored row with the same id
    duplicates_in_file: int = 0         # extra rows for an id that appears more than once
    rejected: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`--column body=text` pairs as {contract column: file column}.  ['body=text'] -> {'body': 'text'}"""
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not source or target not in CONTRACT_COLUMNS:
            raise IngestError(
                f"--column {pair!r} is not CONTRACT=FILE_COLUMN with CONTRACT one of {', '.join(CONTRACT_COLUMNS)}."
            )
        mapping[target] = source
    return mapping


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in {"csv", "parquet", "jsonl"}:
            raise IngestError(f"unknown format {fmt!r}; use csv, parquet or jsonl.")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in FORMATS:
            return FORMATS[suffix]
    raise IngestError(f"cannot tell the format of {path.name}; name it .csv, .parquet or .jsonl, or pass --format.")


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> list[str]:
    """Create temp table or view ingest_source (_line + file columns as text) and tables ingest_parse_errors and
    ingest_line_numbers; return the file's columns.

    _line is the row's line for JSON Lines and Parquet; for CSV it is the row's position among the rows the
    reader kept (a record may span lines), and ingest_parse_errors holds the reader's record numbers until
    _csv_physical_lines turns both into lines, only when something is rejected."""
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_parse_errors (_line BIGINT, reason VARCHAR, _raw JSON)")
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_line_numbers (_line BIGINT, line BIGINT)")
    try:
        if fmt == "csv":
            con.execute(
                "CREATE OR REPLACE TEMP TABLE ingest_source AS "
                "SELECT row_number() OVER () AS _line, * FROM read_csv(?, all_varchar = true, header = true, "
                "store_rejects = true, rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans')",
                [str(path)],
            )
            con.execute(  # one row per record: a row with three extra columns is reported three times
                "INSERT INTO ingest_parse_errors SELECT line, CASE WHEN bool_or(error_type = 'INVALID ENCODING') "
                "THEN 'invalid_encoding' ELSE 'malformed_row' END, "
                "to_json({'csv_line': min(csv_line), 'error': min(error_message)}) FROM ingest_rejects GROUP BY line"
            )
            con.execute("CREATE OR REPLACE TEMP TABLE ingest_csv_dialect AS "   # what the reader detected, if it rejected rows
                        "SELECT delimiter, quote, escape, skip_rows FROM ingest_reject_scans")
            con.execute("DROP TABLE IF EXISTS ingest_rejects; DROP TABLE IF EXISTS ingest_reject_scans")
        elif fmt == "parquet":
            con.execute(
                "CREATE OR REPLACE TEMP VIEW ingest_source AS SELECT file_row_number + 1 AS _line, * EXCLUDE (file_row_number) "
                f"FROM read_parquet('{_sql_string(path)}', file_row_number = true)"
            )
        else:
            _read_jsonl(con, path)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise IngestError(f"could not read {path} as {fmt.upper()} ({first}); check the file or pass --format.") from None
    columns = [c for c in con.execute("SELECT * FROM ingest_source LIMIT 0").fetchdf().columns if c != "_line"]
    source_rows = con.execute("SELECT count(*) FROM ingest_source").fetchone()[0]
    failed = con.execute("SELECT count(*) FROM ingest_parse_errors").fetchone()[0]
    if source_rows == 0 and failed > 0:
        raise IngestError(f"no line of {path} could be parsed as {fmt.upper()}; is it the right format and UTF-8 encoded?")
    return columns


def _sql_string(path: Path) -> str:
    """A path as a SQL string literal body; views cannot hold bound parameters."""
    return str(path).replace("'", "''")


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read JSON Lines line by line, so a broken line is rejected with its number instead of failing the file."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_lines AS SELECT row_number() OVER () AS _line, line "
        "FROM read_csv(?, columns = {'line': 'VARCHAR'}, header = false, delim = '\x01', quote = '', escape = '', "
        "store_rejects = true, rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans')",
        [str(path)],
    )
    # blank lines are kept, lines the reader rejects are not: the n-th kept line is line n plus the rejected lines
    # before it (the j-th rejected line, r_j, has r_j - j kept lines before it)
    if con.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]:
        con.execute(
            "UPDATE ingest_lines SET _line = _line + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) "
            "AS kept_before FROM (SELECT DISTINCT line FROM ingest_rejects)) WHERE kept_before < ingest_lines._line)"
        )
    con.execute(
        "INSERT INTO ingest_parse_errors SELECT line, 'invalid_encoding', to_json({'line': min(csv_line)}) "
        "FROM ingest_rejects GROUP BY line;"
        "INSERT INTO ingest_parse_errors SELECT _line, 'invalid_json', to_json({'line': line}) FROM ingest_lines "
        "WHERE trim(line) <> '' AND (NOT json_valid(line) OR json_type(line) <> 'OBJECT');"
        "DROP TABLE IF EXISTS ingest_rejects; DROP TABLE IF EXISTS ingest_reject_scans"
    )
    keys = [
        r[0]
        for r in con.execute(
            # the keys in the order the file first gives them (a plain DISTINCT returns them in any order, and the
            # raw rows kept in reviews_rejected would differ from one ingest of the same file to the next)
            "SELECT key FROM (SELECT _line, unnest(json_keys(line)) AS key, generate_subscripts(json_keys(line), 1) AS position "
            "FROM ingest_lines WHERE json_valid(line) AND json_type(line) = 'OBJECT') "
            "GROUP BY key ORDER BY min(_line), arg_min(position, _line)"
        ).fetchall()
    ]
    projection = ", ".join(f"json_extract_string(line, ?) AS {quote_ident(k)}" for k in keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_source AS SELECT _line" + (f", {projection}" if keys else "")
        + " FROM ingest_lines WHERE json_valid(line) AND json_type(line) = 'OBJECT'",
        ["$." + quote_ident(k) for k in keys] or None,
    )


def csv_record_starts(path: Path, delimiter: str = ",", quote: str = '"', escape: str = '"') -> list[tuple[int, bool]]:
    """(line it starts on, blank?) of every record of a CSV file, header included, as DuckDB numbers records
    (a quoted field may span lines; a blank line is a record of its own).
    'id,body\\n1,"a\\nb"\\n\\n2,c\\n' -> [(1, False), (2, False), (4, True), (5, False)]"""
    csv.field_size_limit(sys.maxsize)                       # 1 MB bodies are fine
    if not quote:
        dialect = {"quoting": csv.QUOTE_NONE}
    elif escape in ("", quote):
        dialect = {"quotechar": quote, "doublequote": True}
    else:
        dialect = {"quotechar": quote, "doublequote": False, "escapechar": escape}
    starts, line = [], 1
    # latin-1 reads any byte: delimiters, quotes and newlines are ASCII, so records split as in UTF-8
    with path.open(encoding="latin-1", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=False, **dialect)
        for record in reader:
            starts.append((line, not record))
            line = reader.line_num + 1
    return starts


def _csv_physical_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Put the line each rejected CSV record starts on into ingest_line_numbers (by row position) and
    ingest_parse_errors (by record number), from one scan of the file with Python's csv module in the
    dialect DuckDB detected. Where the two readers disagree on the records (a dialect Python's csv cannot
    follow), rejects keep DuckDB's record number (header = 1) instead."""
    dialect = con.execute("SELECT * FROM ingest_csv_dialect LIMIT 1").fetchone() or con.execute(
        "SELECT Delimiter, Quote, Escape, SkipRows FROM sniff_csv(?, header = true, all_varchar = true, ignore_errors = true)",
        [str(path)]).fetchone()
    delimiter, quote, escape, skip_rows = ("" if v == "(empty)" else v for v in dialect)  # sniff_csv's word for none
    failed = {k for (k,) in con.execute("SELECT _line FROM ingest_parse_errors").fetchall()}
    rows = con.execute("SELECT count(*) FROM ingest_source").fetchone()[0]
    starts = None
    if len(delimiter) == 1 and len(quote) <= 1 and len(escape) <= 1 and not skip_rows:
        starts = csv_record_starts(path, delimiter, quote, escape)
        kept = [k for k, (_, blank) in enumerate(starts, 1) if k > 1 and not blank and k not in failed]
        if len(kept) != rows or max(failed, default=0) > len(starts):
            starts = None
    if starts is None:
        kept = [k for k in range(2, rows + len(failed) + 2) if k not in failed][:rows]
    line_of = (lambda k: k) if starts is None else (lambda k: starts[k - 1][0])
    positions = [p for (p,) in con.execute("SELECT _line FROM ingest_staged WHERE reason IS NOT NULL").fetchall()]
    records = sorted(failed)
    int64 = pa.int64()
    con.register("csv_lines_by_position", pa.table({"_line": pa.array(positions, int64),
                                                    "line": pa.array([line_of(kept[p - 1]) for p in positions], int64)}))
    con.register("csv_lines_by_record", pa.table({"record": pa.array(records, int64),
                                                  "line": pa.array([line_of(k) for k in records], int64)}))
    con.execute("INSERT INTO ingest_line_numbers SELECT _line, line FROM csv_lines_by_position")
    con.execute("UPDATE ingest_parse_errors e SET _line = r.line FROM csv_lines_by_record r WHERE e._line = r.record")
    con.unregister("csv_lines_by_position")
    con.unregister("csv_lines_by_record")


def _map_columns(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], mapping: dict[str, str]) -> None:
    """Create temp view ingest_mapped with the contract's column names; a missing required column is an IngestError."""
    by_lower = {c.lower(): c for c in columns}
    chosen: dict[str, str | None] = {}
    for name in CONTRACT_COLUMNS:
        wanted = mapping.get(name, name)
        found = wanted if wanted in columns else by_lower.get(wanted.lower())
        if name in mapping and found is None:
            raise IngestError(f"{path.name} has no column {wanted!r} (mapped to {name}); found: {', '.join(columns)}.")
        chosen[name] = found
    missing = [c for c in REQUIRED_COLUMNS if chosen[c] is None]
    if missing:
        hint = " ".join(f"--column {c}=YOUR_COLUMN" for c in missing)
        raise IngestError(
            f"{path.name} has no {', '.join(repr(c) for c in missing)} column (found: {', '.join(columns)}). Map it with {hint}."
        )
    raw = "json_object(" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}', {quote_ident(c)}" for c in columns) + ")"
    select = ", ".join(
        f"CAST({quote_ident(src)} AS VARCHAR) AS {name}" if src else f"CAST(NULL AS VARCHAR) AS {name}"
        for name, src in chosen.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_mapped AS SELECT _line, {raw} AS _raw, {select} FROM ingest_source")


@contextmanager
def _parallel_writes(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Line numbers are explicit columns, so row order need not be kept: DuckDB may then use both cores."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("RESET preserve_insertion_order")


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    fmt: str | None = None,
    step: Callable[[str], None] = lambda _stage: None,
) -> IngestSummary:
    """Load one file as one transaction: a file that cannot be read at all changes nothing."""
    started = time.perf_counter()
    if not path.exists():
        raise IngestError(f"{path} does not exist; check the path.")
    if not path.is_file():
        raise IngestError(f"{path} is not a file; pass review files, not folders.")
    fmt = detect_format(path, fmt)
    summary = IngestSummary(file=str(path))
    params = {"file": str(path), "source": source or path.name, "now": datetime.now(timezone.utc).replace(tzinfo=None)}
    with transaction(con):
        step("reading")
        columns = _read_raw(con, path, fmt)
        _map_columns(con, path, columns, mapping or {})
        with _parallel_writes(con):
            step("validating")
            run_script(con, "ingest/01_stage.sql")
            run_script(con, "ingest/02_plan.sql", params)
            step("writing")
            if con.execute("SELECT EXISTS (SELECT 1 FROM ingest_staged WHERE reason IS NOT NULL UNION ALL "
                           "SELECT 1 FROM ingest_parse_errors)").fetchone()[0]:
                if fmt == "csv":
                    _csv_physical_lines(con, path)
                run_script(con, "ingest/03_reject.sql", params)
            run_script(con, "ingest/04_apply.sql", params)
        summary.rejected.update(dict(con.execute(
            "SELECT reason, count(*) FROM (SELECT reason FROM ingest_staged WHERE reason IS NOT NULL "
            "UNION ALL SELECT reason FROM ingest_parse_errors) GROUP BY ALL"
        ).fetchall()))
        actions = dict(con.execute("SELECT action, count(*) FROM ingest_plan GROUP BY ALL").fetchall())
        valid = con.execute("SELECT count(*) FROM ingest_staged WHERE reason IS NULL").fetchone()[0]
        summary.rows = con.execute("SELECT count(*) FROM ingest_staged").fetchone()[0] + sum(
            n for r, n in summary.rejected.items() if r in PARSE_REASONS
        )
        source_kind = "VIEW" if fmt == "parquet" else "TABLE"
        con.execute(f"DROP VIEW ingest_mapped; DROP {source_kind} ingest_source; DROP TABLE ingest_staged; DROP TABLE ingest_plan")
    summary.inserted = actions.get("insert", 0)
    summary.updated = actions.get("update", 0)
    summary.unchanged = actions.get("same", 0)
    summary.stale = actions.get("stale", 0)
    summary.duplicates_in_file = valid - sum(actions.values())
    summary.seconds = time.perf_counter() - started
    return summary
