"""What `reviewlens classify` reads: texts from arguments, a .jsonl or .csv file, or stdin; input it cannot score
is one sentence naming the place and the fix, never a traceback or a JSON line scored as text."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from reviewlens.flows.errors import UserError
from reviewlens.flows.scoring.adhoc import read_texts

FIX_EMPTY = "classify scores non-empty texts only, so remove it or give it some words."
FIX_JSONL = 'give every line one JSON object with a "body" or "text" string.'
FIX_CSV = "fix the quoting or export the file again."


def stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def refusal(*args) -> str:
    with pytest.raises(UserError) as caught:
        read_texts(*args)
    return str(caught.value)


def test_files_give_their_body_or_text_column(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"body": "fine", "id": 1}\n\n{"text": "质量很好"}\n', encoding="utf-8")
    (tmp_path / "a.csv").write_text('id,body\n1,"soft, warm\nand cheap"\n2,ok\n', encoding="utf-8")
    assert read_texts(["arg"], str(tmp_path / "a.jsonl")) == ["arg", "fine", "质量很好"]
    assert read_texts([], str(tmp_path / "a.csv")) == ["soft, warm\nand cheap", "ok"]


def test_stdin_is_one_text_per_line(monkeypatch):
    stdin(monkeypatch, "fine dress\n\n质量太差\n".encode())
    assert read_texts([], "-") == ["fine dress", "质量太差"]


def test_stdin_that_starts_with_a_json_object_is_json_lines(monkeypatch):
    stdin(monkeypatch, b'{"body": "fine dress"}\n{"text": "too small", "id": 2}\n')
    assert read_texts([], "-") == ["fine dress", "too small"]


def test_malformed_json_lines_on_stdin_name_the_line(monkeypatch):
    stdin(monkeypatch, b'{"body": "fine"}\n{"body": fine}\n')
    assert re.fullmatch(r"line 2 of stdin is not valid JSON \(.+: column \d+\); " + re.escape(FIX_JSONL), refusal([], "-"))


@pytest.mark.parametrize("content, line, problem", [
    ('{"body": "fine"}\n\n{"body": "broken\n', 3, r"is not valid JSON \(.+: column \d+\)"),
    ('{"body": "fine"}\n["a list"]\n', 2, 'has no "body" or "text" string'),
    ('{"body": "fine"}\n{"review": "other name"}\n', 2, 'has no "body" or "text" string'),
    ('{"body": 5}\n', 1, 'has no "body" or "text" string'),
])
def test_malformed_json_lines_name_the_line(tmp_path, content, line, problem):
    path = tmp_path / "in.jsonl"
    path.write_text(content, encoding="utf-8")
    assert re.fullmatch(f"line {line} of {re.escape(str(path))} {problem}; {re.escape(FIX_JSONL)}", refusal([], str(path)))


@pytest.mark.parametrize("content, message", [
    ('body,x\nfine,1\n"unclosed,2\nmore,3\n', "line 3 of {path} is not valid CSV (unexpected end of data); " + FIX_CSV),
    ('body,x\nfine,1\n"a"b,2\n', "line 3 of {path} is not valid CSV (',' expected after '\"'); " + FIX_CSV),
    ("body,x\nfine,1\ntoo,many,fields\n", "line 3 of {path} has 3 fields but the header has 2; " + FIX_CSV),
    ("id,review\n1,fine\n", "{path} has no 'body' or 'text' column (found: id, review); name the text column body or text."),
])
def test_malformed_csv_names_the_line(tmp_path, content, message):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    assert refusal([], str(path)) == message.format(path=path)


@pytest.mark.parametrize("name", ["photo.csv", "photo.jsonl"])
def test_a_binary_file_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert refusal([], str(path)) == f"{path} is not UTF-8 text; pass a UTF-8 .jsonl or .csv file."


def test_binary_stdin_is_refused(monkeypatch):
    stdin(monkeypatch, b"\xff\xfe\x00b\x00a\x00d")
    assert refusal([], "-") == "stdin is not UTF-8 text; pass a UTF-8 .jsonl or .csv file."


@pytest.mark.parametrize("text", ["", " \t\n"])
def test_an_empty_text_is_refused_like_ingest_refuses_an_empty_body(tmp_path, text):
    assert refusal(["fine", text], None) == f"text 2 of the arguments is empty; {FIX_EMPTY}"
    (tmp_path / "in.jsonl").write_text('{"body": "fine"}\n' + json.dumps({"body": text}) + "\n")
    assert refusal([], str(tmp_path / "in.jsonl")) == f"the text on line 2 of {tmp_path / 'in.jsonl'} is empty; {FIX_EMPTY}"
    (tmp_path / "in.csv").write_text(f'body\nfine\n"{text}"\n')
    assert refusal([], str(tmp_path / "in.csv")) == f"the text on line 3 of {tmp_path / 'in.csv'} is empty; {FIX_EMPTY}"


def test_no_texts_at_all_says_where_texts_come_from():
    assert refusal([], None) == "no texts to classify; pass them as arguments, with --input FILE, or --input - on stdin."
