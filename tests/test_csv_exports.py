"""The dashboard's CSV exports: no cell a spreadsheet could run as a formula, no cell a reader could split."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from reviewlens.reports.dashboard import csv_text


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("value", ["\r=3+4", "\n=3+4", "fine\r\n@SUM(A1)", "ok\n+1", "-2", "=1", "\t=1", "\r\r=HYPERLINK(1)"])
def test_no_line_of_a_cell_starts_a_formula_and_the_cell_stays_one_cell(value):
    rows = read_back(csv_text(pd.DataFrame({"product_id": [value], "n": [1]})))
    assert len(rows) == 2 and rows[1][1] == "1"                       # one header, one row: nothing split off
    cell = rows[1][0]
    assert all(not line or line[0] not in "=+-@\t" for line in cell.replace("\r", "\n").split("\n"))
    assert cell.replace("'", "") == value.replace("'", "")           # only apostrophes were added


def test_plain_text_and_numbers_are_left_as_they_are():
    rows = read_back(csv_text(pd.DataFrame({"term": ["fit", "runs small"], "n": [-2, 3]})))
    assert rows == [["term", "n"], ["fit", "-2"], ["runs small", "3"]]
