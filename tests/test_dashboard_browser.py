"""Dashboards in real headless Chromium: offline from file://, every chart drawn, no request leaves the
file system, planted malicious reviews shown as text and never executed, history links resolve; on a store like
a real one of another vertical (English only, long category paths, a repeated review), the page offers only its
languages and keeps its heatmap readable; a backfill leaves the latest page alone."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright       # a plain import: without Playwright these tests fail, never skip

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.nightly.dashboards import insights_as_of
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


# An Amazon-like category path of 790 characters, and a short one whose last element it shares no words with.
LONG_CATEGORY = ("Electronics,Computers & Accessories,Tablet Accessories,Bags, Cases & Sleeves,"
                 + "Sleeves & Slipcases for Tablets " * 22)[:790]
TABLETS = "Electronics,iPad & Tablets,All Tablets"
REPEATED = "The zipper broke, poor quality. Terrible fit, returned it"


@pytest.fixture
def english_store(trained_home, tmp_path):
    """The session's store as a real store of another vertical: English reviews only, Amazon category paths,
    one product whose negative review was posted many times over."""
    settings, _ = trained_home
    rows = pd.DataFrame([{"review_id": f"rep-{k}", "product_id": "tab-1", "category": TABLETS, "rating": 1, "body": REPEATED,
                          "created_at": f"2026-11-{10 + k % 17} 10:00:00"} for k in range(24)])
    rows.to_parquet(tmp_path / "repeated.parquet")
    with restoring(settings):
        con = connect(settings.db_path)
        con.execute("DELETE FROM reviews WHERE language <> 'en'")
        con.execute("UPDATE reviews SET category = CASE WHEN category = 'Dresses' THEN ? ELSE ? END", [LONG_CATEGORY, TABLETS])
        ingest_file(con, tmp_path / "repeated.parquet")
        con.close()
        summary = nightly(RUN, str(settings.home))
        yield Path(summary.report_path)


def test_an_english_store_is_offered_no_chinese_and_its_heatmap_keeps_its_width(browser, english_store):
    page, events = open_page(browser, english_store.resolve().as_uri())
    assert page.eval_on_selector_all("#lang-filter input", "is => is.length") == 0      # one language: nothing to filter
    assert "Chinese" not in page.inner_text("#lang-filter") and "English" in page.inner_text("#lang-filter")
    assert page.locator("[data-view='zh']").count() == 0
    heatmap = page.evaluate("""() => { const el = document.getElementById('chart-heatmap-all');
        return {labels: [...el.querySelectorAll('.ytick text')].map(t => t.textContent), plot: el._fullLayout._size.w,
                width: el._fullLayout.width, hover: el.data[0].text.map(row => row[0])}; }""")
    assert len(heatmap["labels"]) >= 2 and all(len(label) <= 28 for label in heatmap["labels"]), heatmap["labels"]
    assert "All Tablets" in heatmap["labels"]
    assert heatmap["plot"] > 0.5 * heatmap["width"], heatmap                  # not squeezed to a sliver by its labels
    assert LONG_CATEGORY.split() == next(unescape(h.replace("<br>", " ")).split() for h in heatmap["hover"] if "Slipcases" in h)
    page.click("details.product[data-product='tab-1'] summary")
    drill = page.inner_text("details.product[data-product='tab-1']")
    assert drill.count(REPEATED) == 1                                          # the same text is one example
    assert "last review 2026-11-26" in drill
    assert events["errors"] == []
    page.close()


def test_a_backfill_leaving_the_latest_page_alone(browser, dashboard):
    latest_page, settings = dashboard
    latest_html = latest_page.read_bytes()
    earlier = RUN - timedelta(days=20)
    with restoring(settings):
        con = connect(settings.db_path)
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("insight_products", "insight_daily")}
        headline = con.execute("SELECT headline FROM runs WHERE run_date = ? AND status = 'completed'", [RUN]).fetchall()
        con.close()
        backfill = Path(nightly(earlier, str(settings.home)).report_path)

        assert backfill == settings.reports_dir / earlier.isoformat() / "index.html"
        assert latest_page.read_bytes() == latest_html
        con = connect(settings.db_path)
        assert insights_as_of(con) == RUN
        assert tables == {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        assert con.execute("SELECT headline FROM runs WHERE run_date = ? AND status = 'completed'", [RUN]).fetchall() == headline
        con.close()

        index, events = open_page(browser, (settings.reports_dir / "index.html").resolve().as_uri())
        rows = index.eval_on_selector_all("#runs tr", "rs => rs.slice(1).map(r => [...r.cells].map(c => c.innerText))")
        assert [r[0] for r in rows[:2]] == [RUN.isoformat(), earlier.isoformat()]
        assert rows[1][5] == "0"                                               # nothing new to score: 0, not "–"
        last_week = index.evaluate("() => { const x = document.getElementById('chart-history').data[0].x; return x[x.length - 1]; }")
        assert str(last_week)[:10] >= RUN.isoformat()                           # the trend still ends at the latest night
        assert events["errors"] == []
        index.close()

        page, events = open_page(browser, backfill.resolve().as_uri())
        note = page.inner_text("#night")
        assert earlier.isoformat() in note and "backfill" in note.lower() and RUN.isoformat() in note
        page.click("#night a[href*='index.html']")
        page.wait_for_load_state()
        assert page.url.endswith(f"{RUN.isoformat()}/index.html")
        assert events["errors"] == []
        page.close()
