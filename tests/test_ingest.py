"""Ingest: bulk loading of CSV, Parquet and JSON Lines with validation, rejection and duplicate rules."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows.ingest.files import IngestError, ingest_file, parse_mapping
from tests.conftest import count

HEADER = "review_id,product_id,category,rating,title,body,created_at\n"


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = [
    "r1,p1,Dresses,5,Lovely,Fits perfectly and the fabric is soft,2026-10-01 09:00:00",
    "r2,p1,Dresses,2,,Runs small and the zipper broke,2026-10-02",
    "r3,p2,,,,质量很好，物流太慢,2026-10-03T12:30:00",
]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "review_id": ["r1", "r2", "r3"],
        "product_id": ["p1", "p1", "p2"],
        "category": ["Dresses", "Dresses", None],
        "rating": [5, 2, None],
        "title": ["Lovely", None, None],
        "body": ["Fits perfectly and the fabric is soft", "Runs small and the zipper broke", "质量很好，物流太慢"],
        "created_at": pd.to_datetime(["2026-10-01 09:00", "2026-10-02 00:00", "2026-10-03 12:30"]),
    })


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_each_format_loads_the_same_reviews(con, tmp_path, fmt):
    path = tmp_path / f"reviews.{fmt}"
    if fmt == "csv":
        write_csv(path, GOOD)
    elif fmt == "parquet":
        frame().to_parquet(path)
    else:
        frame().to_json(path, orient="records", lines=True, date_format="iso", force_ascii=False)
    summary = ingest_file(con, path)
    assert (summary.inserted, sum(summary.rejected.values())) == (3, 0)
    rows = con.execute("SELECT review_id, product_id, rating, body, language, created_at::DATE::VARCHAR FROM reviews ORDER BY 1").fetchall()
    assert rows == [
        ("r1", "p1", 5, "Fits perfectly and the fabric is soft", "en", "2026-10-01"),
        ("r2", "p1", 2, "Runs small and the zipper broke", "en", "2026-10-02"),
        ("r3", "p2", None, "质量很好，物流太慢", "zh", "2026-10-03"),
    ]


def test_column_mapping_renames_user_columns(con, tmp_path):
    path = write_csv(tmp_path / "shop.csv", ["a1,sku9,4,Great value,2026-09-09"], header="id,sku,stars,text,date\n")
    mapping = parse_mapping(["review_id=id", "product_id=sku", "rating=stars", "body=text", "created_at=date"])
    summary = ingest_file(con, path, mapping, source="shop-export")
    assert summary.inserted == 1
    assert con.execute("SELECT review_id, product_id, rating, body, source FROM reviews").fetchone() == (
        "a1", "sku9", 4, "Great value", "shop-export")


def test_a_column_mapped_onto_one_contract_column_is_not_also_taken_by_name_for_another(con, tmp_path):
    path = write_csv(tmp_path / "drugs.csv", ["d1,Zomig,Gone in an hour,positive,2026-09-09"],
                     header="id,drugName,review,rating,date\n")        # a real export: its `rating` says positive/negative
    mapping = parse_mapping(["product_id=drugName", "body=review", "label=rating", "created_at=date"])
    summary = ingest_file(con, path, mapping)
    assert (summary.inserted, dict(summary.rejected)) == (1, {})
    assert con.execute("SELECT label, rating FROM reviews").fetchone() == ("positive", None)


def test_mapping_to_a_column_the_file_lacks_names_the_columns_found(con, tmp_path):
    path = write_csv(tmp_path / "shop.csv", ["a1,sku9,text,2026-09-09"], header="id,sku,text,date\n")
    with pytest.raises(IngestError, match=r"no column 'comment'.*found: id, sku, text, date"):
        ingest_file(con, path, parse_mapping(["body=comment"]))


@pytest.mark.parametrize("row, reason", [
    (",p1,,5,,text,2026-10-01", "missing_review_id"),
    ("r9,,,5,,text,2026-10-01", "missing_product_id"),
    ("r9,p1,,5,,   ,2026-10-01", "empty_body"),
    ("r9,p1,,5,,,2026-10-01", "empty_body"),
    ("r9,p1,,5,,text,yesterday", "invalid_created_at"),
    ("r9,p1,,5,,text,", "invalid_created_at"),
    ("r9,p1,,six,,text,2026-10-01", "invalid_rating"),
    ("r9,p1,,0,,text,2026-10-01", "invalid_rating"),
    ("r9,p1,,-2,,text,2026-10-01", "invalid_rating"),
])
def test_each_invalid_row_is_rejected_with_its_reason_and_the_rest_load(con, tmp_path, row, reason):
    path = write_csv(tmp_path / "mixed.csv", [GOOD[0], row, GOOD[1]])
    summary = ingest_file(con, path)
    assert summary.inserted == 2
    assert dict(summary.rejected) == {reason: 1}
    file, line, got_reason, raw = con.execute("SELECT source_file, line, reason, raw FROM reviews_rejected").fetchone()
    assert (file, line, got_reason) == (str(path), 3, reason)
    assert json.loads(raw)["review_id"] == (row.split(",")[0] or None)


def test_invalid_label_is_rejected(con, tmp_path):
    path = write_csv(tmp_path / "l.csv", ["r1,p1,good text,2026-10-01,maybe"], header="review_id,product_id,body,created_at,label\n")
    assert dict(ingest_file(con, path).rejected) == {"invalid_label": 1}


def test_invalid_utf8_bytes_reject_only_that_row(con, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + GOOD[0].encode() + b"\n" + b"r9,p1,,4,,caf\xe9 cr\xe8me,2026-10-01\n" + GOOD[1].encode() + b"\n")
    summary = ingest_file(con, path)
    assert summary.inserted == 2
    assert dict(summary.rejected) == {"invalid_encoding": 1}
    assert "caf" in con.execute("SELECT raw FROM reviews_rejected").fetchone()[0]


def test_duplicate_ids_in_a_file_keep_the_newest(con, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [
        "r1,p1,,3,,first version,2026-10-01",
        "r1,p1,,1,,edited later,2026-10-05",
        "r1,p1,,5,,in between,2026-10-03",
    ])
    summary = ingest_file(con, path)
    assert (summary.inserted, summary.duplicates_in_file) == (1, 2)
    assert con.execute("SELECT body, rating FROM reviews").fetchone() == ("edited later", 1)


def test_against_the_table_a_newer_row_updates_and_an_older_one_is_ignored(con, tmp_path):
    ingest_file(con, write_csv(tmp_path / "a.csv", ["r1,p1,,3,,middle,2026-10-03"]))
    newer = ingest_file(con, write_csv(tmp_path / "b.csv", ["r1,p1,,1,,newest,2026-10-05"]))
    older = ingest_file(con, write_csv(tmp_path / "c.csv", ["r1,p1,,5,,oldest,2026-10-01"]))
    assert (newer.updated, older.stale) == (1, 1)
    assert con.execute("SELECT body FROM reviews").fetchall() == [("newest",)]


def test_reingesting_the_same_file_changes_nothing(con, tmp_path):
    path = write_csv(tmp_path / "r.csv", [*GOOD, ",p1,,5,,no id,2026-10-01"])
    ingest_file(con, path)
    before = con.execute("SELECT * FROM reviews ORDER BY review_id").fetchall(), count(con, "reviews_rejected")
    again = ingest_file(con, path)
    after = con.execute("SELECT * FROM reviews ORDER BY review_id").fetchall(), count(con, "reviews_rejected")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert before == after


@pytest.mark.parametrize("content, message", [
    (b"review_id,product_id,created_at\nr1,p1,2026-10-01\n", r"no 'body' column \(found: review_id, product_id, created_at\)\. Map it with --column body="),
    (bytes(range(256)) * 40, r"could not|no line|no 'review_id'"),
])
def test_an_unreadable_file_changes_nothing(con, tmp_path, content, message):
    ingest_file(con, write_csv(tmp_path / "ok.csv", GOOD))
    counts = count(con, "reviews"), count(con, "reviews_rejected")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        ingest_file(con, bad)
    assert (count(con, "reviews"), count(con, "reviews_rejected")) == counts


def test_missing_path_and_unknown_format_are_clear_errors(con, tmp_path):
    with pytest.raises(IngestError, match="does not exist"):
        ingest_file(con, tmp_path / "nope.csv")
    (tmp_path / "reviews.xlsx").write_text("x")
    with pytest.raises(IngestError, match="cannot tell the format"):
        ingest_file(con, tmp_path / "reviews.xlsx")


def test_a_one_megabyte_body_is_stored_whole(con, tmp_path):
    body = ("Soft fabric, true to size. " * 40_000)[:1_000_000]
    pd.DataFrame({"review_id": ["big"], "product_id": ["p"], "body": [body], "created_at": ["2026-10-01"]}).to_parquet(tmp_path / "big.parquet")
    ingest_file(con, tmp_path / "big.parquet")
    assert con.execute("SELECT body FROM reviews").fetchone()[0] == body


def test_html_in_a_review_is_stored_verbatim(con, tmp_path):
    body = '<script>window.pwned=1</script><img src=x onerror="alert(1)"></textarea>'
    pd.DataFrame({"review_id": ["x"], "product_id": ["p"], "body": [body], "created_at": ["2026-10-01"]}).to_parquet(tmp_path / "x.parquet")
    ingest_file(con, tmp_path / "x.parquet")
    assert con.execute("SELECT body FROM reviews").fetchone()[0] == body


def test_broken_json_lines_are_rejected_with_their_line_number(con, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"review_id":"a","product_id":"p","body":"fine","created_at":"2026-10-01"}\n{oops\n[1,2]\n', encoding="utf-8")
    summary = ingest_file(con, path)
    assert summary.inserted == 1
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [(2, "invalid_json"), (3, "invalid_json")]


def test_language_is_detected_when_absent_and_kept_when_given(con, tmp_path):
    path = write_csv(tmp_path / "lang.csv", [
        "a,p,This dress is lovely,2026-10-01,",
        "b,p,物流很快,2026-10-01,",
        "c,p,Très joli,2026-10-01,",
        "d,p,whatever,2026-10-01,zh-CN",
    ], header="review_id,product_id,body,created_at,language\n")
    ingest_file(con, path)
    assert dict(con.execute("SELECT review_id, language FROM reviews").fetchall()) == {"a": "en", "b": "zh", "c": "other", "d": "zh"}


def test_a_csv_reject_reports_the_physical_line_it_is_on_after_a_dropped_row(con, tmp_path):
    path = write_csv(tmp_path / "shifted.csv", [
        GOOD[0],                                                    # line 2
        "r8,p1,,5,,too,many,columns,here,2026-10-01",               # line 3: the reader drops it
        "r9,p1,,six,,text,2026-10-01",                              # line 4
        GOOD[1],                                                    # line 5
    ])
    ingest_file(con, path)
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [
        (3, "malformed_row"), (4, "invalid_rating")]


def test_a_csv_reject_after_multi_line_fields_and_blank_lines_reports_its_true_line(con, tmp_path):
    path = write_csv(tmp_path / "multiline.csv", [
        'r1,p1,,5,,"Fits well.',                                   # line 2: a body over three lines
        "",
        'The fabric is soft",2026-10-01',
        "",                                                         # line 5: blank
        'r4,p1,,4,,"two ""quoted""',                              # line 6: over two lines
        'lines",2026-10-01',
        "r9,p1,,0,,rating zero,2026-10-01",                         # line 8
        "r7,p1,,5,,x,y,2026-10-01",                                 # line 9: too many columns
        GOOD[1],
    ])
    summary = ingest_file(con, path)
    assert summary.inserted == 3
    assert con.execute("SELECT body FROM reviews WHERE review_id = 'r1'").fetchone()[0] == "Fits well.\n\nThe fabric is soft"
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [
        (8, "invalid_rating"), (9, "malformed_row")]


def test_a_csv_row_rejected_by_the_reader_is_logged_once(con, tmp_path):
    path = write_csv(tmp_path / "wide.csv", [GOOD[0], "r8,p1,,5,,a,b,c,d,2026-10-01"])
    summary = ingest_file(con, path)
    assert dict(summary.rejected) == {"malformed_row": 1}
    assert con.execute("SELECT count(*) FROM reviews_rejected").fetchone()[0] == 1


def test_a_json_lines_reject_after_a_blank_and_an_unreadable_line_reports_its_true_line(con, tmp_path):
    path = tmp_path / "r.jsonl"
    good = b'{"review_id":"a","product_id":"p","body":"fine","created_at":"2026-10-01"}\n'
    path.write_bytes(good + b"\n" + b'{"review_id":"b","body":"caf\xe9"}\n' + b"{oops\n" + good.replace(b'"a"', b'"c"'))
    summary = ingest_file(con, path)
    assert summary.inserted == 2
    assert con.execute("SELECT line, reason FROM reviews_rejected ORDER BY line").fetchall() == [
        (3, "invalid_encoding"), (4, "invalid_json")]


@pytest.mark.parametrize("text, starts", [
    ('id,body\n1,"a\nb"\n\n2,c\n', [(1, False), (2, False), (4, True), (5, False)]),
    ('id,body\r\n1,"x ""y""\r\nz"\r\n2,w', [(1, False), (2, False), (4, False)]),
])
def test_csv_record_starts_follow_quoted_newlines(tmp_path, text, starts):
    from reviewlens.flows.ingest.files import csv_record_starts
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    assert csv_record_starts(path) == starts


def test_when_python_csv_reads_the_records_differently_rejects_keep_the_record_number(con, tmp_path):
    path = write_csv(tmp_path / "stray.csv", [     # DuckDB reads the stray quote as text; Python's csv runs to the end
        "r1,p1,,5,,fine,2026-10-01", 'r2,p1,,5,,"oops,2026-10-01', "r3,p1,,5,,fine,2026-10-01", "r4,p1,,5,,x,yesterday"])
    ingest_file(con, path)
    assert con.execute("SELECT line, reason FROM reviews_rejected").fetchall() == [(5, "invalid_created_at")]


@pytest.mark.slow
def test_an_ingest_killed_mid_file_keeps_the_files_before_it_and_a_rerun_loads_the_rest(tmp_path):
    """A real `reviewlens ingest` process, SIGKILLed while its second file's transaction is open."""
    from reviewlens.flows.store.connection import connect
    from tests.processes import Command

    files = []
    for k in range(3):                                  # 40,000 rows each (one in 1,000 has no body): long enough to catch
        bodies = ["" if i % 1000 == 7 else f'"Review {i} of file {k}, soft fabric"' for i in range(40_000)]
        rows = [f"f{k}-{i},p{i % 50},Dresses,{1 + i % 5},,{body},2026-10-{1 + i % 28:02d}" for i, body in enumerate(bodies)]
        files.append(write_csv(tmp_path / f"part{k}.csv", rows))
    home = tmp_path / "home"
    ingest = Command(["ingest", *map(str, files)], home)
    ingest.wait_until(lambda: ingest.holds_open(files[1]), "it opened the second file")
    ingest.kill()

    con = connect(home / "reviewlens.duckdb")
    by_source = dict(con.execute("SELECT source, count(*) FROM reviews GROUP BY ALL").fetchall())
    rejected = dict(con.execute("SELECT source_file, count(*) FROM reviews_rejected GROUP BY ALL").fetchall())
    con.close()
    assert by_source == {"part0.csv": 39_960}                  # the first file whole, nothing of the second
    assert rejected == {str(files[0]): 40}

    again = Command(["ingest", *map(str, files)], home)
    assert again.finish() == 0, again.output()
    con = connect(home / "reviewlens.duckdb")
    assert dict(con.execute("SELECT source, count(*) FROM reviews GROUP BY ALL").fetchall()) == {
        f"part{k}.csv": 39_960 for k in range(3)}
    assert con.execute("SELECT count(*), count(DISTINCT review_id) FROM reviews").fetchone() == (119_880, 119_880)
    assert con.execute("SELECT count(*) FROM reviews_rejected").fetchone()[0] == 120
    con.close()


def test_a_json_lines_reject_keeps_the_keys_in_the_files_order_every_time(tmp_path):
    """reviews_rejected.raw is the row as read: its keys in the order the file first gives them, whichever thread
    read which line (they came out of a SELECT DISTINCT in any order, so re-ingesting gave different rows)."""
    from reviewlens.flows.store.connection import connect

    keys = ["zeta", "review_id", "body", "mid", "product_id", "created_at", "alpha"]
    lines = [json.dumps({k: (f"r{i}" if k == "review_id" else "" if k == "body" and i % 50 == 0 else f"{k}{i}")
                         for k in keys} | {"created_at": "2026-10-01"}) for i in range(20_000)]
    lines.append(json.dumps({"review_id": "late", "product_id": "p", "body": "b", "created_at": "x", "omega": 1}))
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raws = []
    for attempt in range(3):
        con = connect(tmp_path / f"store{attempt}" / "reviewlens.duckdb")
        ingest_file(con, path)
        raws.append(con.execute("SELECT line, raw FROM reviews_rejected ORDER BY line").fetchall())
        con.close()
    assert raws[0] == raws[1] == raws[2] and len(raws[0]) == 401
    assert list(json.loads(raws[0][0][1])) == [*keys, "omega"]
