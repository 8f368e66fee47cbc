"""Bulk ingest of CSV, Parquet and JSON Lines into `reviews`: DuckDB readers, SQL validation, one transaction per file."""

from __future__ import annotations

import csv
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from reviewlens.flows import clock
from reviewlens.flows.config import Settings, load_settings
from reviewlens.flows.errors import UserError
from reviewlens.flows.ingest import written_text
from reviewlens.flows.ingest.language import CHARS, english_or_other
from reviewlens.flows.ingest.rating_scale import STARS, RatingScale, refusal
from reviewlens.flows.ingest.rejections import explain, failed_value
from reviewlens.flows.store.connection import query, quote_ident, run_script, sql_text, transaction

CONTRACT_COLUMNS = ("review_id", "product_id", "category", "rating", "title", "body", "language", "created_at", "label")
REQUIRED_COLUMNS = ("product_id", "body", "created_at")       # without a review_id column, ids are derived
ID_PARTS = ("product_id", "created_at", "rating", "title", "body")  # what a derived id is made of (01_stage.sql) ...
AUTHOR_NAMES = {"author", "username", "user_name", "user", "user_id", "userid", "reviewer", "reviewer_name",
                "reviewername", "reviewer_id", "reviewerid", "profile_name", "profilename"}  # ... and an author column
DUPLICATE_SHARE = 0.1       # above this share of a file's rows repeating another row's id, ingest warns
PARSE_REASONS = {"invalid_encoding", "malformed_row", "invalid_json", "record_too_long"}  # rows the reader never parsed
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "jsonl": "JSON Lines"}
MAX_RECORD_BYTES = 8_000_000        # a longer CSV record or JSON line is rejected: record_too_long (DuckDB's default 2 MB)
BLOCK_BYTES = MAX_RECORD_BYTES // 2  # long_lines reads this much at a time; no line inside one block can be too long
LONG_LINE = "record_too_long_{}_bytes"  # stands in for a line over MAX_RECORD_BYTES (00_csv_rejects.sql reads it back)

log = logging.getLogger(__name__)


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
    before_floor: int = 0               # valid rows dated before the created_at_floor setting (loaded, with a warning)
    review_ids: str = ""                # where review ids came from: "column id", or "derived from ... (...)"
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, tuple[int, str | None]] = field(default_factory=dict)   # reason -> (first line, failed value)
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


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, settings: Settings) -> list[str]:
    """Create temp table or view ingest_source (_line + file columns as text) and tables ingest_parse_errors and
    ingest_line_numbers; return the file's columns.

    _line is the row's line for JSON Lines and Parquet; for CSV it is the row's position among the rows the
    reader kept (a record may span lines), and ingest_parse_errors holds the reader's record numbers until
    _csv_physical_lines turns both into lines, only when something is rejected."""
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_parse_errors (_line BIGINT, reason VARCHAR, _raw JSON)")
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_line_numbers (_line BIGINT, line BIGINT)")
    try:
        if fmt == "csv":
            run_script(con, "ingest/00_read_csv.sql", {"file": str(path), "max_record_bytes": MAX_RECORD_BYTES})
            run_script(con, "ingest/00_csv_rejects.sql")
        elif fmt == "parquet":
            con.execute(
                "CREATE OR REPLACE TEMP VIEW ingest_source AS SELECT file_row_number + 1 AS _line, * EXCLUDE (file_row_number) "
                f"FROM read_parquet('{_sql_string(path)}', file_row_number = true)"
            )
        else:
            _read_jsonl(con, path)
    except duckdb.Error as exc:
        raise IngestError(failure_message(path, fmt, exc, settings)) from None
    columns = [c for c in con.execute("SELECT * FROM ingest_source LIMIT 0").fetchdf().columns if c != "_line"]
    source_rows = con.execute("SELECT count(*) FROM ingest_source").fetchone()[0]
    failed = con.execute("SELECT count(*) FROM ingest_parse_errors").fetchone()[0]
    if source_rows == 0 and failed > 0:
        raise IngestError(f"no line of {path} could be parsed as {FORMAT_NAMES[fmt]}; "
                          "is it the right format and UTF-8 encoded?")
    return columns


def _sql_string(path: Path) -> str:
    """A path as a SQL string literal body; views cannot hold bound parameters."""
    return str(path).replace("'", "''")


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read JSON Lines line by line, so a broken line is rejected with its number instead of failing the file."""
    run_script(con, "ingest/00_read_jsonl.sql", {"file": str(path), "max_record_bytes": MAX_RECORD_BYTES})
    run_script(con, "ingest/00_jsonl_rejects.sql")
    keys = list(query(con, "ingest/00_jsonl_keys.sql")["key"])
    projection = ", ".join(f"json_extract_string(line, ?) AS {quote_ident(k)}" for k in keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_source AS SELECT _line" + (f", {projection}" if keys else "")
        + " FROM ingest_lines WHERE json_valid(line) AND json_type(line) = 'OBJECT'",
        ["$." + quote_ident(k) for k in keys] or None,
    )


def long_lines(path: Path, limit: int = MAX_RECORD_BYTES) -> dict[int, tuple[int, int]]:
    """{line: (offset, bytes)} of the lines of a file longer than `limit` bytes, newline excluded. Read in blocks of
    BLOCK_BYTES, of which only the first and last newline are looked for (no line inside one block can be that long),
    so a file with no long line costs one read; lines are counted only when there is one.
    A CSV file with a 37-byte header and a 50 MB field on line 2 -> {2: (37, 50000017)}"""
    spans: dict[int, int] = {}                              # where a long line starts: its bytes
    start = offset = 0                                      # start: where the current line begins
    with path.open("rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            first = block.find(b"\n")
            if first >= 0:
                if offset + first - start > limit:
                    spans[start] = offset + first - start
                start = offset + block.rfind(b"\n") + 1
            offset += len(block)
    if offset - start > limit:
        spans[start] = offset - start
    found, line, offset = {}, 1, 0
    with path.open("rb") as fh:
        for start in sorted(spans):
            while offset < start:
                block = fh.read(min(BLOCK_BYTES, start - offset))
                line, offset = line + block.count(b"\n"), offset + len(block)
            found[line] = (start, spans[start])
    return found


@contextmanager
def _readable(path: Path, long: dict[int, tuple[int, int]]) -> Iterator[Path]:
    """The file for DuckDB to read: `path`, or where it has lines over MAX_RECORD_BYTES (long_lines) a temporary copy
    with each replaced by LONG_LINE and its size, which the reader rejects on the same line. DuckDB's reader rejects
    some such lines itself but skips others without a word, and its dialect detection fails the whole file when one
    is among the rows it samples."""
    if not long:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="reviewlens-ingest-") as folder:
        copy = Path(folder) / path.name
        with path.open("rb") as source, copy.open("wb") as target:
            for offset, size in sorted(long.values()):
                while (gap := offset - source.tell()) > 0:
                    target.write(source.read(min(gap, BLOCK_BYTES)))
                source.seek(offset + size - 1)
                ending = b"\r" if source.read(1) == b"\r" else b""   # a CRLF file keeps its line ends
                target.write(LONG_LINE.format(size).encode() + ending)
            shutil.copyfileobj(source, target)
        yield copy


def _scan_text(path: Path) -> dict[int, tuple[int, int]]:
    """Refuse a UTF-16 or UTF-32 file in one sentence (DuckDB would read it as a file of no columns); return its lines
    over MAX_RECORD_BYTES (long_lines)."""
    with path.open("rb") as fh:
        encoding = wide_encoding(fh.read(4096))
    if encoding:
        named = encoding.removesuffix("LE").removesuffix("BE")
        raise IngestError(f"{path} is {named} encoded, but reviewlens reads UTF-8; re-save it as UTF-8 (for example "
                          f"`iconv -f {encoding} -t UTF-8 {path.name} > utf8-{path.name}`) and ingest that file.")
    return long_lines(path)


def wide_encoding(head: bytes) -> str | None:
    """The encoding of a text file whose first bytes are UTF-16 or UTF-32 rather than UTF-8, as iconv names it: from
    the byte order mark, or without one from the NUL bytes every ASCII character then carries; None for UTF-8.
    wide_encoding('id,body'.encode('utf-16-le')) -> 'UTF-16LE'"""
    for mark, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                       (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if head.startswith(mark):
            return name
    nul = head.count(0)
    if not head or nul * 4 < len(head):                   # a NUL here and there: a broken UTF-8 file, not UTF-16
        return None
    if nul * 3 > len(head) * 2:                           # three NULs in four bytes
        return "UTF-32LE" if head[0::4].count(0) < head[3::4].count(0) else "UTF-32BE"
    return "UTF-16LE" if head[0::2].count(0) < head[1::2].count(0) else "UTF-16BE"


def failure_message(path: Path, fmt: str, exc: duckdb.Error, settings: Settings) -> str:
    """The sentence for a DuckDB error that stopped a file. Running out of memory names the setting that caps it;
    JSON Lines are read with DuckDB's CSV reader, whose words (CSV Error, sniffing) would mislead."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (f"DuckDB ran out of memory ingesting {path} under the db_memory_limit setting of "
                f"{settings.db_memory_limit}, so nothing was changed; raise it (REVIEWLENS_DB_MEMORY_LIMIT=4GB, or "
                "db_memory_limit in reviewlens.toml), or for a file of thousands of columns keep only those reviewlens "
                "reads, and ingest the file again.")
    if fmt == "jsonl":
        return f"could not read {path} as JSON Lines; check that it holds one JSON object per line, UTF-8 encoded."
    first = str(exc).strip().splitlines()[0]
    return f"could not read {path} as {FORMAT_NAMES[fmt]} ({first}); check the file or pass --format."


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
    dialect = con.execute("SELECT * FROM ingest_csv_dialect LIMIT 1").fetchone() or tuple(
        query(con, "ingest/00_sniff_csv.sql", {"file": str(path), "max_record_bytes": MAX_RECORD_BYTES}).iloc[0])
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


def _map_columns(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], mapping: dict[str, str]) -> dict[str, str | None]:
    """Create temp view ingest_mapped with the contract's column names and _author (a column named like an author,
    for derived ids: AUTHOR_NAMES, matched on the name's last dotted part, so `reviews.username` counts); return the
    file column behind each of them, None where the file has none. A missing required column is an IngestError."""
    by_lower = {c.lower(): c for c in columns}
    chosen: dict[str, str | None] = {}
    for name in CONTRACT_COLUMNS:
        wanted = mapping.get(name, name)
        found = wanted if wanted in columns else by_lower.get(wanted.lower())
        if name in mapping and found is None:
            raise IngestError(f"{path.name} has no column {wanted!r} (mapped to {name}); found: {', '.join(columns)}.")
        chosen[name] = found
    # a column mapped onto one contract column is not also taken by name for another: with `--column label=rating`
    # the file's `rating` (words: positive, negative) is the label, not stars as well
    claimed = {chosen[name].lower() for name in mapping if chosen.get(name)}
    for name in CONTRACT_COLUMNS:
        if name not in mapping and chosen[name] is not None and chosen[name].lower() in claimed:
            chosen[name] = None
    missing = [c for c in REQUIRED_COLUMNS if chosen[c] is None]
    if missing:
        hint = " ".join(f"--column {c}=YOUR_COLUMN" for c in missing)
        raise IngestError(
            f"{path.name} has no {', '.join(repr(c) for c in missing)} column (found: {', '.join(columns)}). Map it with {hint}."
        )
    chosen["_author"] = next((c for c in columns if c.rsplit(".", 1)[-1].lower() in AUTHOR_NAMES), None)
    raw = "json_object(" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}', {quote_ident(c)}" for c in columns) + ")"
    select = ", ".join(
        f"CAST({quote_ident(src)} AS VARCHAR) AS {name}" if src else f"CAST(NULL AS VARCHAR) AS {name}"
        for name, src in chosen.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_mapped AS SELECT _line, {raw} AS _raw, {select} FROM ingest_source")
    return chosen


def _id_parts(chosen: dict[str, str | None]) -> list[str]:
    """The file's columns a derived review id is made of (ID_PARTS and the author column, where the file has them)."""
    return [chosen[c] for c in (*ID_PARTS, "_author") if chosen[c]]


def _review_ids(chosen: dict[str, str | None]) -> str:
    """Where the review ids come from, in the file's column names, for the summary.
    {'review_id': None, 'product_id': 'asins', 'created_at': 'date', 'rating': None, 'title': None, 'body': 'text',
    '_author': None} -> 'derived from asins, date, text (no review_id column found or mapped)'"""
    if chosen["review_id"]:
        return f"column {chosen['review_id']}"
    return f"derived from {', '.join(_id_parts(chosen))} (no review_id column found or mapped)"


def _detect_languages(con: duckdb.DuckDBPyConnection) -> None:
    """English or other for the valid rows 01_stage.sql left without a language (bodies in Latin letters)."""
    latin = query(con, "ingest/01_latin_bodies.sql", {"chars": CHARS})
    if latin.empty:
        return
    con.register("ingest_detected", pa.table({"_line": pa.array(latin["_line"].to_numpy(), pa.int64()),
                                              "language": english_or_other(latin["head"].tolist())}))
    run_script(con, "ingest/01_language.sql")
    con.unregister("ingest_detected")


def _check_date_format(con: duckdb.DuckDBPyConnection, date_format: str | None) -> None:
    if date_format is None:
        return
    try:
        con.execute("SELECT try_strptime('', ?)", [date_format])
    except duckdb.Error as exc:
        raise IngestError(f"--date-format {date_format!r} is not a layout strptime reads ({exc}); use codes such as "
                          "'%m/%d/%Y' or '%d.%m.%Y %H:%M'.") from None
    if "%" not in date_format:
        raise IngestError(f"--date-format {date_format!r} has no strptime code; use codes such as '%m/%d/%Y'.")


def _warn_rejections(path: Path, summary: IngestSummary) -> None:
    """One line per reason, with the file's first rejected row for it."""
    examples = {reason: example for reason, example in summary.examples.items() if summary.rejected[reason]}
    for reason, (line, value) in examples.items():
        log.warning("%s: %s", path.name, explain(reason, summary.rejected[reason], line, value))


def _warn_duplicates(path: Path, summary: IngestSummary, chosen: dict[str, str | None]) -> None:
    """Say so when over DUPLICATE_SHARE of a file's rows repeat another row's id: a review id column is then likely
    a product id, and with derived ids the file repeats whole reviews."""
    if summary.duplicates_in_file <= DUPLICATE_SHARE * summary.rows:
        return
    repeated = f"{summary.duplicates_in_file:,} of {summary.rows:,} rows of {path.name}"
    column = chosen["review_id"]
    if column is None:
        log.warning("%s repeat another row's %s, so each counts once: check that the file does not hold the "
                    "same reviews twice.", repeated, ", ".join(_id_parts(chosen)))
        return
    fix = f"drop --column review_id={column}" if column.lower() != "review_id" else "rename that column"
    log.warning("%s share a review id with another row, so only the newest of each was kept: column `%s` may not be "
                "a review id; map another with --column review_id=COLUMN, or %s to derive ids from each row's "
                "content.", repeated, column, fix)


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
    settings: Settings | None = None,
    date_format: str | None = None,
    rating_scale: RatingScale | None = None,
) -> IngestSummary:
    """Load one file as one transaction: a file that cannot be read at all changes nothing. `settings` (default:
    load_settings()) gives created_at_floor, and db_memory_limit for the message when DuckDB runs out of memory;
    `date_format` (strptime codes) reads created_at by that layout instead of ISO 8601; `rating_scale` is the one its
    ratings are on (None: stars 1 to 5, and a file whose ratings plainly run above 5 is refused, rating_scale.py)."""
    started = time.perf_counter()
    if not path.exists():
        raise IngestError(f"{path} does not exist; check the path.")
    if not path.is_file():
        raise IngestError(f"{path} is not a file; pass review files, not folders.")
    fmt = detect_format(path, fmt)
    settings = settings or load_settings()
    long = {} if fmt == "parquet" else _scan_text(path)
    summary = IngestSummary(file=str(path))
    floor = date.fromisoformat(settings.created_at_floor)
    _check_date_format(con, date_format)
    scale = rating_scale or STARS
    params = {"file": str(path), "source": source or path.name, "now": clock.utc_now(), "floor": floor,
              "date_format": date_format, "rating_low": scale.low, "rating_high": scale.high}
    try:
        with _readable(path, long) as readable, transaction(con):
            chosen = _ingest(con, path, readable, fmt, mapping or {}, settings, params, summary, step,
                             check_scale=rating_scale is None)
            if summary.rejected["record_too_long"] < len(long):  # a LONG_LINE read as part of a quoted field
                raise IngestError(f"{path} has a line over {MAX_RECORD_BYTES // 1_000_000} MB, the most reviewlens "
                                  "reads as one record, inside a quoted field, so it cannot be rejected on its own and "
                                  "nothing was changed; shorten or remove it and ingest the file again.")
    except duckdb.OutOfMemoryException as exc:
        raise IngestError(failure_message(path, fmt, exc, settings)) from None
    _warn_duplicates(path, summary, chosen)
    _warn_rejections(path, summary)
    if summary.before_floor:
        log.warning("%s rows of %s are dated before %s (setting created_at_floor); they were loaded: "
                    "check that their dates are real.", f"{summary.before_floor:,}", path.name, floor.isoformat())
    summary.seconds = time.perf_counter() - started
    return summary


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, readable: Path, fmt: str, mapping: dict[str, str],
            settings: Settings, params: dict, summary: IngestSummary, step: Callable[[str], None],
            check_scale: bool = True) -> dict[str, str | None]:
    """ingest_file's steps inside its transaction, reading `readable` (see _readable) and counting into `summary`;
    returns the file column behind each contract column (_map_columns). `check_scale`: refuse a file whose ratings
    run above the scale (no scale was named)."""
    step("reading")
    columns = _read_raw(con, readable, fmt, settings)
    chosen = _map_columns(con, path, columns, mapping)
    summary.review_ids = _review_ids(chosen)
    params = {**params, "derive_ids": chosen["review_id"] is None}
    with _parallel_writes(con):
        step("validating")
        written_text.register(con)
        run_script(con, "ingest/01_stage.sql", params)
        if check_scale and (why := refusal(path.name, *query(con, "ingest/01_rating_range.sql", params).iloc[0])):
            raise IngestError(why)
        _detect_languages(con)
        run_script(con, "ingest/02_plan.sql", params)
        step("writing")
        if con.execute("SELECT EXISTS (SELECT 1 FROM ingest_staged WHERE reason IS NOT NULL UNION ALL "
                       "SELECT 1 FROM ingest_parse_errors)").fetchone()[0]:
            if fmt == "csv":
                _csv_physical_lines(con, readable)
            run_script(con, "ingest/03_reject.sql", params)
            examples = con.execute(sql_text("ingest/06_rejected_examples.sql"), {"file": params["file"]}).fetchall()
            summary.examples = {reason: (line, failed_value(reason, raw, chosen)) for reason, line, raw in examples}
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
    summary.before_floor = int(query(con, "ingest/05_before_floor.sql", params).iat[0, 0])
    source_kind = "VIEW" if fmt == "parquet" else "TABLE"
    con.execute(f"DROP VIEW ingest_mapped; DROP {source_kind} ingest_source; DROP TABLE ingest_staged; DROP TABLE ingest_plan")
    summary.inserted = actions.get("insert", 0)
    summary.updated = actions.get("update", 0)
    summary.unchanged = actions.get("same", 0)
    summary.stale = actions.get("stale", 0)
    summary.duplicates_in_file = valid - sum(actions.values())
    return chosen
