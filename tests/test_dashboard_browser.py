"""Dashboards in real headless Chromium: offline from file://, every chart drawn, no request leaves the
file system, planted malicious reviews shown as text and never executed, history links resolve."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright       # a plain import: without Playwright these tests fail, never skip

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.nightly.flow import nightly
from reviewlens.flows.store.connection import connect
from tests.fixtures import restoring

pytestmark = pytest.mark.slow
RUN = date(2026, 11, 28)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MALICIOUS = [
    ("evil-1", "<img src=x onerror=\"window.pwned='img'\">", "Dresses", "<script>window.pwned='body'</script> runs small"),
    ("evil-2", "p-evil</textarea><script>window.pwned='pid'</script>", "</title><script>window.pwned='cat'</script>",
     "Great fabric \" onmouseover=\"window.pwned='attr' <svg onload=\"window.pwned='svg'\">"),
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run `make system-deps` (apt-get install chromium fonts-wqy-microhei)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def dashboard(trained_home, tmp_path_factory):
    settings, _ = trained_home
    # two dozen reviews each (min_product_reviews is 20), so the planted products are ranked and shown in the
    # leaderboard drill-down
    rows = pd.DataFrame([{"review_id": f"{rid}-{k}", "product_id": pid, "category": cat, "rating": 1, "body": f"{body} #{k}",
                          "created_at": "2026-11-27 10:00:00"} for rid, pid, cat, body in MALICIOUS for k in range(24)])
    path = tmp_path_factory.mktemp("evil") / "evil.parquet"
    rows.to_parquet(path)
    with restoring(settings):                     # the session's store is shared: put back after this module
        con = connect(settings.db_path)
        ingest_file(con, path)
        con.close()
        summary = nightly(RUN, str(settings.home))
        yield Path(summary.report_path), settings


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    events = {"errors": [], "requests": []}
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.goto(url)
    page.wait_for_function("() => document.querySelectorAll('.chart').length > 0 && "
                           "[...document.querySelectorAll('.chart')].every(c => c.querySelector('.main-svg'))", timeout=20_000)
    return page, events


def test_run_page_loads_offline_with_every_chart_drawn_and_no_errors(browser, dashboard):
    path, _ = dashboard
    page, events = open_page(browser, path.resolve().as_uri())
    charts = page.eval_on_selector_all(".chart", "cs => cs.map(c => [c.id, !!c._fullLayout && c.data.length > 0 && !!c.querySelector('.main-svg')])")
    assert len(charts) >= 5 and all(drawn for _, drawn in charts), charts
    assert events["errors"] == []
    assert all(url.startswith(("file://", "data:", "blob:")) for url in events["requests"]), events["requests"]
    assert page.inner_text("#tiles").count("Reviews, last 7 days") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.close()


def test_malicious_reviews_are_shown_as_text_and_never_run(browser, dashboard):
    path, _ = dashboard
    page, events = open_page(browser, path.resolve().as_uri())
    page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
    page.mouse.move(400, 400)
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.pwned") == "undefined"
    html = path.read_text(encoding="utf-8")
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    text = page.inner_text("#products")
    assert "p-evil</textarea><script>window.pwned='pid'</script>" in text
    assert "<img src=x onerror=\"window.pwned='img'\">" in text
    page.close()


def test_history_index_links_resolve(browser, dashboard):
    _, settings = dashboard
    index = settings.reports_dir / "index.html"
    page, events = open_page(browser, index.resolve().as_uri())
    hrefs = page.eval_on_selector_all("#runs a", "as => as.map(a => a.href)")
    assert hrefs, "the history page links no run"
    for href in hrefs:
        target = Path(href.removeprefix("file://"))
        assert target.is_file(), href
    page.click("#runs a")
    page.wait_for_load_state()
    assert page.url.endswith(f"{RUN.isoformat()}/index.html")
    assert events["errors"] == []
    page.close()


def test_standalone_page_inlines_plotly(browser, dashboard):
    from reviewlens.flows.nightly.dashboards import write_reports
    _, settings = dashboard
    con = connect(settings.db_path)
    page_path = write_reports(con, settings, RUN, None, standalone=True)
    con.close()
    html = page_path.read_text(encoding="utf-8")
    assert "<script src=" not in html
    page, events = open_page(browser, page_path.resolve().as_uri())
    assert events["errors"] == []
    page.close()
