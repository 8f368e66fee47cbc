"""Figure builders: the right traces with the right numbers from small frames; data labels escaped."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape, unescape

import pandas as pd
import plotly.graph_objects as go
import pytest

from reviewlens.reports import figures
from reviewlens.reports.dashboard import highlight, safe_json


@pytest.fixture
def daily():
    return pd.DataFrame({
        "day": [date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 2)],
        "category": ["Dresses", "Knits", "Dresses"],
        "reviews": [10, 10, 4], "positive": [6, 2, 1], "negative": [2, 6, 3], "neutral": [2, 2, 0],
    })


@pytest.fixture
def topics():
    return pd.DataFrame({
        "period_start": [date(2026, 11, 22)] * 3, "period_end": [date(2026, 11, 28)] * 3,
        "category": ["Dresses", "Knits", "Dresses"], "topic": ["size_fit", "size_fit", "material"],
        "mentions": [30, 10, 8], "share": [0.3, 0.1, 0.08], "net_sentiment": [-40.0, 20.0, 50.0],
        "prev_mentions": [None] * 3, "change_net_sentiment": [None] * 3,
    })


@pytest.mark.parametrize("pos, neg, total, expected", [(6, 2, 10, 40.0), (0, 5, 5, -100.0), (0, 0, 0, 0.0)])
def test_net_sentiment(pos, neg, total, expected):
    assert figures.net_sentiment(pos, neg, total) == expected


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def busy_days(n: int = 10, per_day: int = 10, categories=("Dresses", "Knits")) -> pd.DataFrame:
    days = pd.date_range("2026-11-01", periods=n).date
    return pd.DataFrame([{"day": d, "category": c, "reviews": per_day, "positive": per_day // 2, "negative": per_day // 5,
                          "neutral": per_day - per_day // 2 - per_day // 5} for d in days for c in categories])


def test_sentiment_trend_has_daily_overall_and_per_category_lines():
    names = [t.name for t in figures.sentiment_trend(busy_days()).data]
    assert names[:2] == ["All reviews (daily)", "All reviews (7-day)"]
    assert {"Dresses (7-day)", "Knits (7-day)"} <= set(names)


def test_days_under_the_minimum_volume_are_drawn_faint_and_named_so(daily):
    fig = figures.sentiment_trend(daily)                        # day 1: 20 reviews, day 2: 4
    assert list(trace(fig, "All reviews (daily)").y) == [0.0]  # (8-8)/20
    faint = trace(fig, f"days under {figures.DAY_MIN_REVIEWS} reviews (faint: too few to read)")
    assert list(faint.y) == [-50.0] and list(faint.customdata) == [4]      # (1-3)/4, and how many reviews it is
    assert faint.marker.opacity < 0.5 and faint.mode == "markers"


def test_the_rolling_line_starts_on_the_seventh_day_no_partial_window():
    days = pd.date_range("2026-11-01", periods=8).date
    daily = pd.DataFrame({"day": days, "category": "Dresses", "reviews": 10, "positive": [6] * 7 + [0],
                          "negative": [2] * 7 + [10], "neutral": [2] * 7 + [0]})
    rolled = trace(figures.sentiment_trend(daily), "All reviews (7-day)").y
    assert all(v is None for v in rolled[:6])
    assert rolled[6] == pytest.approx(40.0) and rolled[7] == pytest.approx((36 - 22) * 100 / 70)


def test_the_rolling_line_leaves_out_windows_with_too_few_reviews():
    quiet = busy_days(n=14, per_day=1, categories=("Dresses",))            # 7 reviews a week: one review moves it 14 points
    fig = figures.sentiment_trend(quiet)
    assert all(v is None for v in trace(fig, "All reviews (7-day)").y)
    busy = busy_days(n=14, per_day=5, categories=("Dresses",))              # 35 a week
    assert all(v is not None for v in trace(figures.sentiment_trend(busy), "All reviews (7-day)").y[6:])


def test_volume_trend_stacks_the_three_sentiments(daily):
    fig = figures.volume_trend(daily)
    assert [t.name for t in fig.data] == ["negative", "neutral", "positive"]
    assert list(fig.data[0].y) == [8, 3]


def test_a_store_of_one_day_gets_day_charts_a_week_wide_not_milliseconds_around_midnight():
    one_day = busy_days(n=1)
    for fig in (figures.sentiment_trend(one_day), figures.volume_trend(one_day)):
        start, end = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
        assert fig.layout.xaxis.type == "date" and end - start == pd.Timedelta(days=7)
        assert end == pd.Timestamp("2026-11-01 12:00")
    assert all(bar.width == 0.8 * 86_400_000 for bar in figures.volume_trend(one_day).data)     # a lone bar shows


def test_a_long_history_keeps_its_whole_range_on_the_day_charts():
    fig = figures.volume_trend(busy_days(n=30))
    assert [pd.Timestamp(x) for x in fig.layout.xaxis.range] == [pd.Timestamp("2026-10-31 12:00"), pd.Timestamp("2026-11-30 12:00")]


def test_topic_map_weights_net_sentiment_by_mentions(topics):
    fig = figures.topic_map(topics)
    points = dict(zip(fig.data[0].y, zip(fig.data[0].customdata, fig.data[0].x)))
    assert points["size_fit · 40"] == (40, pytest.approx((-40 * 30 + 20 * 10) / 40))
    assert points["material · 8"] == (8, 50.0)


def test_topic_map_gives_each_topic_its_own_row_so_labels_never_overlap(topics):
    many = pd.concat([topics.assign(topic=f"topic_{i}", mentions=topics.mentions + i) for i in range(12)])
    fig = figures.topic_map(many)
    assert fig.layout.yaxis.type == "category" and fig.data[0].mode == "markers"
    assert len(set(fig.data[0].y)) == 12 and fig.data[0].y[-1].startswith("topic_11")     # most mentioned on top
    assert fig.layout.height >= 26 * 12


def test_weekly_charts_leave_out_partial_weeks(topics):
    early = topics.assign(period_start=date(2026, 11, 15), period_end=date(2026, 11, 21), mentions=1, complete=False)
    fig = figures.topic_trend(pd.concat([early, topics.assign(complete=True)]))
    assert all(list(t.x) == [date(2026, 11, 28)] for t in fig.data)


def test_titles_sit_left_and_the_mode_bar_stands_upright_in_the_margin(daily, topics):
    for fig in (figures.sentiment_trend(daily), figures.topic_map(topics), figures.category_topic_heatmap(topics)):
        assert fig.layout.title.x == 0 and fig.layout.title.xanchor == "left"
        assert fig.layout.modebar.orientation == "v"


def test_heatmap_blanks_cells_with_too_few_mentions(topics):
    fig = figures.category_topic_heatmap(topics)
    grid = dict(zip(fig.data[0].y, fig.data[0].z))
    assert list(fig.data[0].x) == ["material", "size_fit"]
    assert grid["Dresses"][1] == -40.0 and grid["Dresses"][0] == 50.0
    assert grid["Knits"][0] is None or pd.isna(grid["Knits"][0])


def test_a_heatmap_whose_every_cell_has_too_few_mentions_says_so_instead_of_showing_an_empty_grid(topics):
    fig = figures.category_topic_heatmap(topics.assign(mentions=1))
    assert not fig.data and fig.layout.annotations[0].text == "No topic has 5 mentions in one category in the last 4 weeks"


def test_empty_data_gives_a_figure_that_says_so():
    fig = figures.topic_map(pd.DataFrame(columns=["period_end", "topic", "mentions", "net_sentiment"]))
    assert fig.layout.annotations[0].text == "No topics found yet"


def test_labels_from_data_are_escaped_for_plotly():
    daily = busy_days(categories=("<b onmouseover=x>", "Knits"))
    names = [t.name for t in figures.sentiment_trend(daily).data]
    assert "&lt;b onmouseover=x (7-day)" in names                # '>' ends a path element: "A > B"
    assert not any("<" in name for name in names)


def test_figure_json_cannot_close_its_script_element():
    fig = go.Figure(go.Scatter(x=[1], y=[1], text=["</script><script>alert(1)</script>"]))
    text = safe_json(fig)
    assert "</script>" not in text and "<" not in text
    assert "\\u003cscript\\u003e" in text


def test_highlight_splits_the_body_around_the_clause():
    assert highlight("ab cd", 3, 5) == [("ab ", False), ("cd", True)]
    assert highlight("ab cd", None, None) == [("ab cd", False)]


LONG = "Electronics,Computers & Accessories,Tablet Accessories,Bags, Cases & Sleeves," + "Sleeves & Slipcases " * 36


def test_long_category_paths_are_shortened_to_their_last_element_and_stay_unique():
    labels = figures.short_labels(["Electronics,iPad & Tablets,All Tablets", "Toys > Games > All Tablets",
                                   "Home > Kitchen > Mugs", LONG])
    assert labels["Home > Kitchen > Mugs"] == "Mugs"
    assert labels["Electronics,iPad & Tablets,All Tablets"] == "iPad & Tablets › All Tablets"    # a clash takes the parent
    assert labels["Toys > Games > All Tablets"] == "Games › All Tablets"
    assert len(LONG) > 700 and len(labels[LONG]) == figures.LABEL_CHARS and labels[LONG].endswith("…")
    assert len(set(labels.values())) == 4


def test_identical_short_labels_are_numbered():
    labels = figures.short_labels(["A > Cables", "A>Cables ", "B > A > Cables"])
    assert len(set(labels.values())) == 3


def test_heatmap_rows_carry_short_labels_and_the_full_category_on_hover(topics):
    topics = topics.assign(category=[LONG, "Home > Kitchen > Mugs <& Cups", LONG])
    fig = figures.category_topic_heatmap(topics)
    assert set(fig.data[0].y) == {escape(figures.short_labels([LONG])[LONG]), "Mugs &lt;&amp; Cups"}
    assert all(len(unescape(y)) <= figures.LABEL_CHARS for y in fig.data[0].y)
    row = list(fig.data[0].y).index("Mugs &lt;&amp; Cups")
    assert fig.data[0].text[row][0] == "Home &gt; Kitchen &gt; Mugs &lt;&amp; Cups" and "%{text}" in fig.data[0].hovertemplate
    long_row = fig.data[0].text[1 - row][0]
    assert unescape(long_row.replace("<br>", " ")).split() == LONG.split()        # all of it, wrapped
    assert fig.layout.yaxis.automargin


def test_the_last_four_weeks_count_from_the_run_date_not_from_the_newest_week_with_a_mention(topics):
    newest = pd.to_datetime(topics.period_end).max().date()
    assert figures.topic_map(topics, until=newest).data                                      # those weeks are the last 4
    quiet = newest + timedelta(days=8 * 7)                   # a run two months after the last mention: nothing recent
    for fig in (figures.topic_map(topics, until=quiet), figures.category_topic_heatmap(topics, until=quiet)):
        assert not fig.data and fig.layout.annotations[0].text == "No topic mentioned in the last 4 weeks"
