"""The test suite itself: a missing test dependency fails the run instead of silently skipping tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_browser_tests_fail_rather_than_skip_when_playwright_is_missing(tmp_path):
    hidden = tmp_path / "playwright"                      # shadows the installed package for this run only
    hidden.mkdir()
    (hidden / "__init__.py").write_text("raise ImportError('playwright hidden by test_hygiene')\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_dashboard_browser.py",
         "-k", "test_run_page_loads_offline", "--collect-only"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode != 0, result.stdout
    assert "playwright hidden by test_hygiene" in result.stdout
