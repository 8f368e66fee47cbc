"""An export from another vertical ingests as it is (issue 22): a file with no review id column gets ids derived from
each row's content, the summary says so, ingesting it again changes nothing, and a mapped "review id" column that
is really a product id is named in a warning instead of silently keeping a handful of rows."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows.ingest.files import ingest_file, parse_mapping
from tests.conftest import count

# An Amazon device export as a marketplace data vendor ships it: `id` and `asins` name the product, no column names
# the review, and categories are long comma-separated paths.
CATEGORIES = ",".join(["Electronics", "iPad & Tablets", "All Tablets", "Fire Tablets", "Tablets", "Computers & Tablets",
                       "Back To School", "Kids' Tablets", "Amazon Devices", "Amazon Tablets"] * 8)[:790]
PRODUCTS = [("AVqkIhwDv8e3D1O-lebb", "B01AHB9CN2", "All-New Fire HD 8 Tablet, 8 HD Display, Wi-Fi, 16 GB"),
            ("AVpfl8cLLJeJML43AE3S", "B00ZV9PXP2", "Amazon Echo Dot (2nd Generation), Black"),
            ("AWK8z0pOIwln0LfXlSxH", "B018Y229OU,B00REQKWGA", "Kindle Paperwhite E-reader, Wi-Fi")]
TEXTS = ["This product so far has not disappointed. My children love to use it and I like the ability to monitor "
         "control what content they see with ease.", "Excellent product.Relable.Maximum speed.Fast downloading",
         "great for beginner or experienced person. Bought as a gift and she loves it", "Exelent tablet for kids",
         "Inexpensive tablet for him to use and learn on, step up from the NABI.", "Echo dot works gr8",
         "I've had my Fire HD 8 two weeks now and I love it. This tablet is a great value.", "Good"]
EXPORT_MAPPING = ["product_id=asins", "created_at=reviews.date", "rating=reviews.rating", "title=reviews.title",
                  "body=reviews.text", "category=categories"]
DERIVED = ("derived from asins, reviews.date, reviews.rating, reviews.title, reviews.text, reviews.username "
           "(no review_id column found or mapped)")


def export_frame(rows: int = 60) -> pd.DataFrame:
    """`rows` reviews of three products, each text written by a different user on a different day."""
    return pd.DataFrame([{
        "id": PRODUCTS[i % 3][0], "name": PRODUCTS[i % 3][2], "asins": PRODUCTS[i % 3][1], "brand": "Amazon",
        "categories": CATEGORIES, "reviews.date": f"2017-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00.000Z",
        "reviews.numHelpful": i % 4, "reviews.rating": 5 - i % 5, "reviews.text": f"{TEXTS[i % len(TEXTS)]}",
        "reviews.title": ["Great tablet", "Five Stars", "", "Nice"][i % 4], "reviews.username": f"user{i}",
    } for i in range(rows)])


def export_csv(path: Path, frame: pd.DataFrame | None = None) -> Path:
    (export_frame() if frame is None else frame).to_csv(path, index=False)
    return path


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWLENS_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", *args], capture_output=True, text=True, env=env)


def flat(text: str) -> str:
    """A printed table as one line of words (box drawing and wrapping gone)."""
    return " ".join(re.sub("[\u2500-\u257f]", " ", text).split())


def test_an_export_with_no_review_id_ingests_with_the_documented_command_and_again_changes_nothing(tmp_path):
    path = export_csv(tmp_path / "amazon.csv")
    columns = [arg for pair in EXPORT_MAPPING for arg in ("--column", pair)]
    first = cli("ingest", str(path), *columns, home=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = flat(first.stdout)
    assert f"rows read 60 review ids {DERIVED} inserted 60 " in summary
    assert "duplicate ids in file 0 " in summary and "rejected 0 " in summary
    again = flat(cli("ingest", str(path), *columns, home=tmp_path).stdout)
    assert "inserted 0 updated (newer) 0 unchanged 60 " in again


def test_a_derived_id_is_the_md5_of_the_rows_product_date_rating_title_body_and_author(con, tmp_path):
    path = export_csv(tmp_path / "amazon.csv", export_frame(1))
    summary = ingest_file(con, path, parse_mapping(EXPORT_MAPPING))
    assert summary.review_ids == DERIVED
    parts = ["B01AHB9CN2", "2017-01-01 00:00:00", "5", "Great tablet", TEXTS[0], "user0"]
    assert con.execute("SELECT review_id, category FROM reviews").fetchone() == (
        hashlib.md5("\x1f".join(parts).encode()).hexdigest(), CATEGORIES)


def test_identical_rows_collapse_and_rows_that_differ_in_anything_but_unread_columns_do_not(con, tmp_path):
    frame = export_frame(3)
    same = frame.iloc[[0]].assign(**{"reviews.numHelpful": 99})       # a column ids are not made of
    other_author = frame.iloc[[0]].assign(**{"reviews.username": "someone else"})
    other_day = frame.iloc[[0]].assign(**{"reviews.date": "2017-01-02T00:00:00.000Z"})
    path = export_csv(tmp_path / "amazon.csv", pd.concat([frame, same, other_author, other_day]))
    summary = ingest_file(con, path, parse_mapping(EXPORT_MAPPING))
    assert (summary.rows, summary.inserted, summary.duplicates_in_file) == (6, 5, 1)


def test_ids_are_derived_only_when_the_file_has_no_review_id_column(con, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text("review_id,product_id,body,created_at\nr1,p1,Works great,2026-10-01\n,p1,No id here,2026-10-01\n")
    summary = ingest_file(con, path)
    assert summary.review_ids == "column review_id"
    assert (summary.inserted, dict(summary.rejected)) == (1, {"missing_review_id": 1})


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_review_id_mapped_to_a_product_id_is_named_in_a_warning(con, tmp_path, caplog):
    path = export_csv(tmp_path / "amazon.csv")
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, path, parse_mapping([*EXPORT_MAPPING, "review_id=id"]))
    assert (summary.review_ids, summary.inserted, summary.duplicates_in_file) == ("column id", 3, 57)
    assert warnings(caplog) == [
        "57 of 60 rows of amazon.csv share a review id with another row, so only the newest of each was kept: column "
        "`id` may not be a review id; map another with --column review_id=COLUMN, or drop --column review_id=id to "
        "derive ids from each row's content."]


def test_a_file_that_repeats_its_reviews_is_warned_about_in_words(con, tmp_path, caplog):
    frame = export_frame(10)
    path = export_csv(tmp_path / "twice.csv", pd.concat([frame, frame]))
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, path, parse_mapping(EXPORT_MAPPING))
    assert (summary.inserted, summary.duplicates_in_file) == (10, 10)
    assert warnings(caplog) == [
        "10 of 20 rows of twice.csv repeat another row's asins, reviews.date, reviews.rating, reviews.title, "
        "reviews.text, reviews.username, so each counts once: check that the file does not hold the same reviews "
        "twice."]


@pytest.mark.parametrize("repeats, warned", [(6, False), (7, True)])
def test_the_warning_starts_above_a_tenth_of_the_rows(con, tmp_path, caplog, repeats, warned):
    frame = export_frame(60)
    frame.loc[:repeats, "reviews.username"] = "same"                  # rows 0..repeats differ only in the author ...
    frame.loc[:repeats, ["asins", "reviews.date", "reviews.rating", "reviews.title", "reviews.text"]] = (
        frame.loc[0, ["asins", "reviews.date", "reviews.rating", "reviews.title", "reviews.text"]].tolist())
    with caplog.at_level(logging.WARNING, logger="reviewlens.flows.ingest.files"):
        summary = ingest_file(con, export_csv(tmp_path / "a.csv", frame), parse_mapping(EXPORT_MAPPING))
    assert summary.duplicates_in_file == repeats                     # ... so `repeats` of them are duplicates
    assert bool(warnings(caplog)) == warned
    assert count(con, "reviews") == 60 - repeats


ESCAPED = ("I&#039;ve had it &amp; it didn&#039;t charge &lt;b&gt;twice&lt;/b&gt;; AT&T; this&nothing &bogus; It\x92s "
           "\x93fine\x94<br />Sad.",
           "I've had it & it didn't charge <b>twice</b>; AT&T; this&nothing &bogus; It’s “fine”\nSad.")


def test_an_export_escaped_as_html_or_misdecoded_is_stored_as_its_customer_wrote_it_with_its_id_unchanged(con, tmp_path):
    frame = export_frame(1).assign(**{"reviews.text": ESCAPED[0], "reviews.title": "Didn&#039;t charge"})
    path = export_csv(tmp_path / "scraped.csv", frame)
    ingest_file(con, path, parse_mapping(EXPORT_MAPPING))
    parts = ["B01AHB9CN2", "2017-01-01 00:00:00", "5", "Didn&#039;t charge", ESCAPED[0], "user0"]
    assert con.execute("SELECT review_id, title, body FROM reviews").fetchone() == (
        hashlib.md5("\x1f".join(parts).encode()).hexdigest(), "Didn't charge", ESCAPED[1])
    again = ingest_file(con, path, parse_mapping(EXPORT_MAPPING))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
