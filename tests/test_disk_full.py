"""A full disk is a sentence, not a traceback, and leaves nothing half-written (the crash test fills a real tmpfs;
these run anywhere: the errors as DuckDB and Python raise them, and a page write that fails half-way)."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from reviewlens.flows.errors import disk_full_message
from reviewlens.flows.store.connection import connect
from tests.processes import ENOSPC_ON_FIRST_PAGE

@pytest.mark.parametrize("error, where", [
    (OSError(errno.ENOSPC, "No space left on device", "/srv/rl/reports/2026-11-28/index.html.partial"),
     "the disk holding /srv/rl/reports/2026-11-28/index.html.partial is full"),
    (duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file '
                                 '"/srv/rl/reviewlens.duckdb": No space left on device'),
     "the disk holding /srv/rl/reviewlens.duckdb is full"),
    (duckdb.IOException("IO Error: No space left on device"), "the disk is full"),
])
def test_a_full_disk_is_one_sentence_naming_the_disk(error, where):
    message = disk_full_message(error)
    assert message.startswith(where) and message.endswith("free some space and run the command again.")
    assert message.count(". ") == 0 and "\n" not in message


def test_other_errors_are_not_taken_for_a_full_disk():
    assert disk_full_message(OSError(errno.EACCES, "Permission denied", "/x")) is None
    assert disk_full_message(ValueError("no space in this string")) is None
    wrapped = RuntimeError("flow failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device", "/x")
    assert disk_full_message(wrapped).startswith("the disk holding /x is full")


def cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewlens.flows.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "REVIEWLENS_HOME": str(home), **env})


@pytest.mark.slow
def test_a_report_write_on_a_full_disk_is_one_sentence_and_leaves_the_old_page(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "r.csv").write_text("review_id,product_id,body,created_at\nr1,p1,Lovely dress,2026-11-27 10:00:00\n")
    assert cli("ingest", str(tmp_path / "r.csv"), home=home).returncode == 0
    con = connect(home / "reviewlens.duckdb")                  # a night that completed: its page can be rewritten
    con.execute("INSERT INTO runs (run_id, run_date, started_at, status) VALUES ('night', DATE '2026-11-28', now(), 'completed')")
    con.close()
    assert cli("report", "--date", "2026-11-28", home=home).returncode == 0
    page = home / "reports" / "2026-11-28" / "index.html"
    before = page.read_bytes()
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(ENOSPC_ON_FIRST_PAGE, encoding="utf-8")

    full = cli("report", "--date", "2026-11-28", home=home, PYTHONPATH=str(inject))
    assert full.returncode == 2, full.stderr
    assert re.fullmatch(rf"reviewlens: the disk holding {re.escape(str(page.parent))}/\S+\.partial is full, so the step "
                        r"that was writing was undone and nothing is half-written; free some space and run the command "
                        r"again\.", full.stderr.strip()), full.stderr
    assert page.read_bytes() == before
    assert not [p for p in home.rglob("*") if p.name.endswith((".partial", ".old"))]
