"""Ingest failures name their cause and fix: an oversized record is rejected with its line while the rest loads,
a UTF-16/32 file names its encoding, running out of memory names `db_memory_limit`, and nothing about a JSON
Lines file speaks of CSV (issue 21, item 8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from reviewlens.flows.config import Settings
from reviewlens.flows.ingest.files import MAX_RECORD_BYTES, IngestError, failure_message, ingest_file
from reviewlens.flows.store.connection import connect
from tests.conftest import count

HEADER = "review_id,product_id,body,created_at\n"
HUGE = 50_000_000                                        # the 50 MB field


def csv_row(review_id: str, body: str) -> str:
    return f"{review_id},p1,{body},2026-10-01\n"


def json_row(review_id: str, body: str) -> str:
    return json.dumps({"review_id": review_id, "product_id": "p1", "body": body, "created_at": "2026-10-01"}) + "\n"


def write_huge(path: Path, row: Callable[[str, str], str], before: int, newline: str = "\n") -> Path:
    """`before` small rows, then one with a 50 MB body, then one more small row."""
    with path.open("w", encoding="utf-8", newline=newline) as fh:
        fh.write(HEADER if path.suffix == ".csv" else "")
        fh.writelines(row(f"s{i}", "fine") for i in range(before))
        fh.write(row("huge", "x" * HUGE))
        fh.write(row("after", "fine"))
    return path


@pytest.mark.parametrize("before, newline", [(0, "\n"), (0, "\r\n"), (25_000, "\n")],
                         ids=["first row", "first row, CRLF", "after the reader's sample"])
def test_a_csv_record_over_the_cap_is_rejected_with_its_line_and_the_rest_loads(con, tmp_path, before, newline):
    path = write_huge(tmp_path / "huge.csv", csv_row, before, newline)
    summary = ingest_file(con, path)
    assert (summary.inserted, dict(summary.rejected)) == (before + 1, {"record_too_long": 1})
    line, reason, raw = con.execute("SELECT line, reason, raw FROM reviews_rejected").fetchone()
    assert (line, reason) == (before + 2, "record_too_long")     # the header is line 1
    assert json.loads(raw)["bytes"] > HUGE and len(raw) < 1_000          # its size, not its 50 MB
    assert con.execute("SELECT count(*) FROM reviews WHERE review_id = 'after'").fetchone()[0] == 1


def test_json_lines_over_the_cap_are_rejected_with_their_lines_and_the_rest_loads(con, tmp_path):
    path = write_huge(tmp_path / "huge.jsonl", json_row, 1)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json_row("second", "z" * (MAX_RECORD_BYTES + 1)) + "\n" + json_row("last", "fine"))
    summary = ingest_file(con, path)
    assert (summary.inserted, dict(summary.rejected)) == (3, {"record_too_long": 2})
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [
        (2, "record_too_long"), (4, "record_too_long")]                  # line 5 is blank


def test_a_line_over_the_cap_inside_a_quoted_field_refuses_the_file_rather_than_cut_the_field(con, tmp_path):
    path = tmp_path / "quoted.csv"
    field = "begins\n" + "x" * (MAX_RECORD_BYTES + 1) + "\nends"                 # the long line is inside the quotes
    path.write_text(HEADER + csv_row("ok", "fine") + f'r1,p1,"{field}",2026-10-01\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"quoted.csv has a line over 8 MB, the most reviewlens reads as one record, "
                                          r"inside a quoted field"):
        ingest_file(con, path)
    assert count(con, "reviews") == count(con, "reviews_rejected") == 0


def test_a_record_just_under_the_cap_loads_whole(con, tmp_path):
    body = "y" * (MAX_RECORD_BYTES - 100)
    path = tmp_path / "big.csv"
    path.write_text(HEADER + csv_row("big", body), encoding="utf-8")
    assert ingest_file(con, path).inserted == 1
    assert con.execute("SELECT length(body) FROM reviews").fetchone()[0] == len(body)


@pytest.mark.parametrize("encoding, named, iconv_name", [
    ("utf-16", "UTF-16", "UTF-16"),                     # with a byte order mark
    ("utf-16-le", "UTF-16", "UTF-16LE"),                # without one
    ("utf-16-be", "UTF-16", "UTF-16BE"),
    ("utf-32", "UTF-32", "UTF-32"),
    ("utf-32-le", "UTF-32", "UTF-32LE"),
])
@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_a_utf16_or_utf32_file_is_refused_in_one_sentence_naming_its_encoding_and_the_fix(
        con, tmp_path, encoding, named, iconv_name, suffix):
    path = tmp_path / f"export.{suffix}"
    text = HEADER + csv_row("r1", "café") if suffix == "csv" else json_row("r1", "café")
    path.write_bytes(text.encode(encoding))
    with pytest.raises(IngestError) as raised:
        ingest_file(con, path)
    assert str(raised.value) == (
        f"{path} is {named} encoded, but reviewlens reads UTF-8; re-save it as UTF-8 "
        f"(for example `iconv -f {iconv_name} -t UTF-8 {path.name} > utf8-{path.name}`) and ingest that file.")
    assert count(con, "reviews") == count(con, "reviews_rejected") == 0


def test_a_utf8_file_with_a_byte_order_mark_still_loads(con, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes((HEADER + csv_row("r1", "café")).encode("utf-8-sig"))
    assert ingest_file(con, path).inserted == 1


def test_running_out_of_memory_names_the_file_and_the_db_memory_limit_setting(tmp_path):
    path = tmp_path / "wide.csv"
    extra = [f"c{i}" for i in range(10_000)]
    path.write_text(",".join(["review_id", "product_id", "body", "created_at", *extra]) + "\n"
                    + "".join(",".join([f"r{r}", "p1", "fine", "2026-10-01", *("v" * len(extra))]) + "\n"
                              for r in range(20)), encoding="utf-8")
    settings = Settings(db_memory_limit="64MB")
    con = connect(tmp_path / "store.duckdb", settings=settings)
    with pytest.raises(IngestError) as raised:
        ingest_file(con, path, settings=settings)
    assert str(raised.value) == (
        f"DuckDB ran out of memory ingesting {path} under the db_memory_limit setting of 64MB, so nothing was changed; "
        "raise it (REVIEWLENS_DB_MEMORY_LIMIT=4GB, or db_memory_limit in reviewlens.toml), or for a file of "
        "thousands of columns keep only those reviewlens reads, and ingest the file again.")
    assert count(con, "reviews") == 0
    con.close()


def test_out_of_memory_from_a_real_query_is_translated(con, tmp_path):
    """The translation itself, on a duckdb.OutOfMemoryException raised by a real query under a tiny limit."""
    con.execute("SET memory_limit = '16MB'")
    with pytest.raises(duckdb.OutOfMemoryException) as raised:
        con.execute("SELECT list(range) FROM range(10000000)").fetchall()
    message = failure_message(tmp_path / "reviews.csv", "csv", raised.value, Settings(db_memory_limit="16MB"))
    assert message.startswith(f"DuckDB ran out of memory ingesting {tmp_path / 'reviews.csv'} under the "
                              "db_memory_limit setting of 16MB")


@pytest.mark.parametrize("error", [
    "Invalid Input Error: CSV Error on Line: 1\nOriginal Line: {\"a\"...",
    "Invalid Input Error: Error when sniffing file \"x.jsonl\".",
])
def test_a_json_lines_read_error_never_speaks_of_csv(tmp_path, error):
    message = failure_message(tmp_path / "r.jsonl", "jsonl", duckdb.InvalidInputException(error), Settings())
    assert "JSON Lines" in message and "CSV" not in message and "sniff" not in message


def test_a_json_lines_file_nothing_of_which_parses_says_so_without_csv(con, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(bytes(range(1, 256)) * 40)
    with pytest.raises(IngestError) as raised:
        ingest_file(con, path)
    assert "JSON Lines" in str(raised.value) and "CSV" not in str(raised.value)
