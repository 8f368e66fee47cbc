"""Plotly figures for the dashboard: dataframes in, figures out. Labels that come from data are escaped,
because plotly renders a subset of HTML in text and hover labels."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import date
from html import escape

import pandas as pd
import plotly.graph_objects as go

NEGATIVE, NEUTRAL, POSITIVE = "#d1495b", "#edae49", "#00798c"
# Titles sit at the top left; the mode bar stands upright in the right margin, so the two never meet.
LAYOUT = dict(template="plotly_white", margin=dict(l=50, r=44, t=48, b=40), height=360,
              font=dict(family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"),
              legend=dict(orientation="h", y=-0.18), title=dict(x=0, xanchor="left", xref="container", pad=dict(l=12)),
              modebar=dict(orientation="v"))


DAY_MIN_REVIEWS = 10          # a day with fewer reviews is drawn faint: one review swings net sentiment by 100
WINDOW_MIN_REVIEWS = 30       # the 7-day line is drawn where its window holds at least this many reviews
CELL_MENTIONS = 5             # fewer mentions of a topic in a category in 4 weeks leave its heatmap cell blank
DAY_BAR_MS = 0.8 * 86_400_000  # a day's bar on a date axis: plotly's own width for a lone bar is a millisecond
LABEL_CHARS = 28              # a category's label on an axis or in a legend; the full name is in the hover

_PATH = re.compile(r"\s*>\s*|,(?!\s)")          # "A > B > C" or Amazon's "Electronics,iPad & Tablets,All Tablets"


def short_labels(names, width: int = LABEL_CHARS) -> dict[str, str]:
    """Each category name's axis label: the last element of its path, shortened with an ellipsis, unique among
    `names` (a clash takes the parent element, then a number).

    >>> short_labels(["Electronics,iPad & Tablets,All Tablets", "Home > Kitchen > Tablets", "Clothing, Shoes & Jewelry"])
    {'Clothing, Shoes & Jewelry': 'Clothing, Shoes & Jewelry', 'Electronics,iPad & Tablets,All Tablets': 'All Tablets', 'Home > Kitchen > Tablets': 'Tablets'}
    >>> short_labels(["A>Cables", "B>Cables", "x" * 40], width=12)
    {'A>Cables': 'A › Cables', 'B>Cables': 'B › Cables', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': 'xxxxxxxxxxx…'}
    """
    def parts(name: str) -> list[str]:
        return [p for p in (q.strip() for q in _PATH.split(name)) if p] or [name.strip() or name]

    def cut(text: str, n: int = width) -> str:
        return text if len(text) <= n else text[:n - 1].rstrip() + "…"

    names = sorted({str(n) for n in names})
    last = {n: cut(parts(n)[-1]) for n in names}
    clashing = {label for label in last.values() if list(last.values()).count(label) > 1}
    out, used = {}, set()
    for name in names:
        label = last[name] if last[name] not in clashing or len(parts(name)) < 2 else cut(" › ".join(parts(name)[-2:]))
        base, k = label, 2
        while label in used:
            label, k = f"{cut(base, width - 4)} ({k})", k + 1
        out[name] = label
        used.add(label)
    return out


def hover_text(text: str, width: int = 60) -> str:
    """Text for a hover label, escaped and wrapped, so a 790-character category is a readable block."""
    return "<br>".join(escape(line) for line in textwrap.wrap(str(text), width)) or escape(str(text))


def day_axis(days: Iterable) -> dict:
    """An x axis of whole days at least a week wide, ending on the last day: on a store whose reviews all carry one
    date, plotly's own range was a millisecond either side of midnight, ticked "23:59:59.999" to "00:00:00.001".

    >>> day_axis([date(2026, 12, 1)])["range"]
    ['2026-11-24 12:00', '2026-12-01 12:00']
    """
    days = pd.to_datetime(pd.Series(list(days))).dropna()
    if days.empty:
        return {}
    last = days.max().normalize()
    first = min(days.min().normalize(), last - pd.Timedelta(days=6))
    return dict(type="date", range=[(first - pd.Timedelta(hours=12)).strftime("%Y-%m-%d %H:%M"),
                                    (last + pd.Timedelta(hours=12)).strftime("%Y-%m-%d %H:%M")])


def _layout(title: str, **overrides) -> dict:
    """LAYOUT with a title (kept at the top left) and overrides."""
    return {**LAYOUT, **overrides, "title": {**LAYOUT["title"], "text": title}}


def net_sentiment(positive: float, negative: float, total: float) -> float:
    """Percent positive minus percent negative, on -100..100; 0 for no reviews. The charts need it on rolled
    and resampled counts; the tables get it from the SQL macro of the same name (sql/macros.sql).

    >>> net_sentiment(6, 2, 10)
    40.0
    """
    return (positive - negative) * 100.0 / total if total else 0.0


def sentiment_trend(daily: pd.DataFrame, top_categories: int = 5) -> go.Figure:
    """Daily net sentiment (markers; days under DAY_MIN_REVIEWS reviews faint, since one review moves it by up to
    100) and its 7-day rolling value (bold, from the 7th day on and only where the window holds WINDOW_MIN_REVIEWS
    reviews), overall and for the largest categories."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No scored reviews yet")
    overall = daily.groupby("day", as_index=False)[["reviews", "positive", "negative"]].sum()
    series = [("All reviews", overall)]
    biggest = daily.groupby("category")["reviews"].sum().nlargest(top_categories).index
    series += [(c, daily[daily.category == c]) for c in biggest if daily.category.nunique() > 1]
    labels = short_labels([name for name, _ in series[1:]])
    for i, (name, frame) in enumerate(series):
        frame = frame.set_index(pd.to_datetime(frame["day"])).sort_index()
        frame = frame[["reviews", "positive", "negative"]].resample("D").sum()
        rolled = frame.rolling(7, min_periods=7).sum()
        net = [None if pd.isna(t) or t < WINDOW_MIN_REVIEWS else net_sentiment(p, n, t)
               for p, n, t in zip(rolled.positive, rolled.negative, rolled.reviews)]
        if i == 0:
            _daily_points(fig, frame)
        elif all(v is None for v in net):
            continue                                  # a category never busy enough for a line: no legend entry
        label = "All reviews" if i == 0 else escape(labels[name])
        fig.add_scatter(x=rolled.index, y=net, mode="lines", name=f"{label} (7-day)", line=dict(width=3 if i == 0 else 1.5),
                        customdata=[[0 if pd.isna(t) else int(t), hover_text(name)] for t in rolled.reviews],
                        hovertemplate="%{customdata[1]}<br>7 days to %{x|%Y-%m-%d}: net %{y:.1f}"
                                      "<br>%{customdata[0]:,} reviews<extra></extra>")
    fig.update_layout(**_layout("Net sentiment over time"), yaxis_title="net sentiment (−100…100)",
                      xaxis=day_axis(overall["day"]))
    return fig


def _daily_points(fig: go.Figure, frame: pd.DataFrame) -> None:
    """Each day's net sentiment as a marker: days with enough reviews grey, the others faint and hollow."""
    frame = frame[frame.reviews > 0]
    net = [net_sentiment(p, n, t) for p, n, t in zip(frame.positive, frame.negative, frame.reviews)]
    enough = (frame.reviews >= DAY_MIN_REVIEWS).to_numpy()
    for keep, name, marker in ((enough, "All reviews (daily)", dict(size=5, color="#999")),
                               (~enough, f"days under {DAY_MIN_REVIEWS} reviews (faint: too few to read)",
                                dict(size=5, color="#bbb", symbol="circle-open", opacity=0.45))):
        if keep.any() or name == "All reviews (daily)":
            fig.add_scatter(x=frame.index[keep], y=[v for v, k in zip(net, keep) if k], mode="markers", name=name,
                            marker=marker, customdata=frame.reviews[keep],
                            hovertemplate="%{x|%Y-%m-%d}: net %{y:.0f}<br>%{customdata:,} reviews<extra></extra>")


def volume_trend(daily: pd.DataFrame) -> go.Figure:
    """Reviews per day, stacked by sentiment."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No scored reviews yet")
    overall = daily.groupby("day", as_index=False)[["negative", "neutral", "positive"]].sum()
    for column, colour in (("negative", NEGATIVE), ("neutral", NEUTRAL), ("positive", POSITIVE)):
        fig.add_bar(x=overall["day"], y=overall[column], name=column, marker_color=colour, width=DAY_BAR_MS)
    fig.update_layout(**_layout("Reviews per day by sentiment"), barmode="stack", yaxis_title="reviews",
                      xaxis=day_axis(overall["day"]))
    return fig


def recent_periods(topics: pd.DataFrame, periods: int, until: date | None) -> pd.DataFrame:
    """The rows of the last `periods` weekly periods up to `until` (the run date, which the newest period ends on);
    without it, of the newest periods present. A period is kept only where a topic was mentioned, so on a quiet
    store the newest present can be years old: "last 4 weeks" must count from the run date, not from them."""
    if until is not None:
        return topics[pd.to_datetime(topics.period_end) > pd.Timestamp(until) - pd.Timedelta(days=7 * periods)]
    return topics[topics.period_end >= sorted(topics.period_end.unique())[-min(periods, topics.period_end.nunique())]]


def latest_topics(topics: pd.DataFrame, periods: int = 4, until: date | None = None) -> pd.DataFrame:
    """Mentions and mention-weighted net sentiment per topic over the last `periods` weekly periods."""
    if topics.empty:
        return pd.DataFrame(columns=["topic", "mentions", "net_sentiment"])
    recent = recent_periods(topics, periods, until)
    grouped = recent.assign(weighted=recent.net_sentiment * recent.mentions).groupby("topic", as_index=False)[["mentions", "weighted"]].sum()
    grouped["net_sentiment"] = grouped.weighted / grouped.mentions
    return grouped.drop(columns="weighted").sort_values("mentions", ascending=False)


def topic_map(topics: pd.DataFrame, until: date | None = None) -> go.Figure:
    """What people talk about (mentions) against how they feel about it (net sentiment), last 4 weeks: one row
    per topic, most mentioned on top, so no two labels can overlap; the dot's size is the mentions."""
    fig = go.Figure()
    summary = latest_topics(topics, until=until)
    if summary.empty:
        return _empty(fig, "No topic mentioned in the last 4 weeks" if not topics.empty else "No topics found yet")
    summary = summary.sort_values(["mentions", "topic"], ascending=[True, False])      # plotly draws rows bottom-up
    labels = [f"{escape(t)} · {int(m):,}" for t, m in zip(summary.topic, summary.mentions)]
    size = 8 + 26 * (summary.mentions / summary.mentions.max()) ** 0.5
    fig.add_scatter(
        x=summary.net_sentiment, y=labels, mode="markers", customdata=summary.mentions,
        marker=dict(size=size, color=summary.net_sentiment, colorscale="RdYlGn", cmin=-100, cmax=100, line=dict(width=1, color="#333")),
        hovertemplate="%{y}<br>mentions %{customdata:,}<br>net sentiment %{x:.1f}<extra></extra>", name="topics",
    )
    fig.add_vline(x=0, line=dict(color="#aaa", dash="dot"))
    fig.update_layout(**_layout("Topics: net sentiment, by mentions (last 4 weeks)",
                                height=max(300, 26 * len(summary) + 110), margin=dict(l=150, r=44, t=48, b=40)),
                      xaxis=dict(title="net sentiment", range=[-105, 105]), yaxis=dict(title=None, type="category"),
                      showlegend=False)
    return fig


def complete_periods(topics: pd.DataFrame) -> pd.DataFrame:
    """The rows of full 7-day periods: a period that starts before the first review is partial and would
    look like a collapse."""
    return topics[topics["complete"].fillna(False).astype(bool)] if "complete" in topics else topics


def topic_trend(topics: pd.DataFrame, top: int = 6) -> go.Figure:
    """Weekly mentions of the most-mentioned topics, full weeks only."""
    fig = go.Figure()
    topics = complete_periods(topics)
    if topics.empty:
        return _empty(fig, "No topics found yet")
    weekly = topics.groupby(["period_end", "topic"], as_index=False)["mentions"].sum()
    for topic in latest_topics(topics).topic.head(top):
        frame = weekly[weekly.topic == topic].sort_values("period_end")
        fig.add_scatter(x=frame.period_end, y=frame.mentions, mode="lines+markers", name=escape(topic))
    fig.update_layout(**_layout("Topic mentions per week (7 days ending on each date)"), yaxis_title="mentions")
    return fig


def category_topic_heatmap(topics: pd.DataFrame, periods: int = 4, until: date | None = None) -> go.Figure:
    """Net sentiment of each topic within each category, last 4 weeks (blank: too few mentions)."""
    fig = go.Figure()
    if topics.empty:
        return _empty(fig, "No topics found yet")
    recent = recent_periods(topics, periods, until)
    if recent.empty:
        return _empty(fig, "No topic mentioned in the last 4 weeks")
    agg = recent.assign(weighted=recent.net_sentiment * recent.mentions).groupby(["category", "topic"], as_index=False)[["mentions", "weighted"]].sum()
    agg["net"] = agg.weighted / agg.mentions
    agg.loc[agg.mentions < CELL_MENTIONS, "net"] = None
    if agg["net"].isna().all():                 # every cell blank: an empty grid would say nothing at all
        return _empty(fig, f"No topic has {CELL_MENTIONS} mentions in one category in the last 4 weeks")
    grid = agg.pivot(index="category", columns="topic", values="net")
    counts = agg.pivot(index="category", columns="topic", values="mentions").reindex_like(grid)
    labels = short_labels(grid.index)
    full = [[hover_text(c)] * len(grid.columns) for c in grid.index]
    fig.add_heatmap(z=grid.values, x=[escape(c) for c in grid.columns], y=[escape(labels[str(c)]) for c in grid.index],
                    colorscale="RdYlGn", zmin=-100, zmax=100, customdata=counts.values, text=full,
                    hovertemplate="%{text}<br>topic %{x}<br>net sentiment %{z:.1f}<br>mentions %{customdata:,.0f}<extra></extra>",
                    colorbar=dict(title="net", x=1.0, xpad=8))
    fig.update_layout(**_layout("Category × topic net sentiment (last 4 weeks)", height=max(320, 28 * len(grid) + 140),
                                margin=dict(l=60, r=90, t=48, b=90)),
                      yaxis=dict(automargin=True, type="category"), xaxis=dict(automargin=True, type="category"))
    return fig


def confusion_matrix(matrix: list[list[int]], labels: list[str], title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", showscale=False, text=matrix,
                    texttemplate="%{text}", hovertemplate="truth %{y}<br>predicted %{x}<br>%{z}<extra></extra>")
    fig.update_layout(**_layout(title, height=300), xaxis_title="predicted", yaxis_title="truth", yaxis_autorange="reversed")
    return fig


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Reviews, positive and negative per calendar week (Monday to Sunday) with the days of it the data covers;
    a first week the data starts inside is left out, a last week still running is kept and marked partial.

    >>> frame = pd.DataFrame({"day": pd.date_range("2026-11-04", "2026-11-18"), "reviews": 1, "positive": 1, "negative": 0})
    >>> weekly(frame)[["reviews", "days", "partial"]].to_dict("list")
    {'reviews': [7, 3], 'days': [7, 3], 'partial': [False, True]}
    """
    frame = daily.groupby("day")[["reviews", "positive", "negative"]].sum()
    frame.index = pd.to_datetime(frame.index)
    frame = frame.reindex(pd.date_range(frame.index.min(), frame.index.max()), fill_value=0)
    out = frame.resample("W-SUN").sum()
    out["days"] = frame["reviews"].resample("W-SUN").size()
    out["partial"] = out["days"] < 7
    if len(out) and out["partial"].iloc[0]:
        out = out.iloc[1:]
    return out


def history_trend(daily: pd.DataFrame) -> go.Figure:
    """Weekly volume and net sentiment over the whole history; the running week is drawn pale and marked."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No history yet")
    weeks = weekly(daily)
    if weeks.empty:
        return _empty(fig, "No full week yet")
    net = [net_sentiment(p, n, t) for p, n, t in zip(weeks.positive, weeks.negative, weeks.reviews)]
    labels = [f"partial week: {d} of 7 days" if p else "full week" for d, p in zip(weeks.days, weeks.partial)]
    fig.add_bar(x=weeks.index, y=weeks.reviews, name="reviews per week", yaxis="y2", customdata=labels,
                marker=dict(color=["#e8eef3" if p else "#c9d6df" for p in weeks.partial],
                            line=dict(color=["#8fa3b3" if p else "#c9d6df" for p in weeks.partial], width=1)),
                hovertemplate="week ending %{x|%Y-%m-%d}<br>%{y:,} reviews<br>%{customdata}<extra></extra>")
    fig.add_scatter(x=weeks.index, y=net, mode="lines+markers", name="net sentiment", line=dict(width=3, color=POSITIVE),
                    marker=dict(symbol=["circle-open" if p else "circle" for p in weeks.partial], size=9), customdata=labels,
                    hovertemplate="week ending %{x|%Y-%m-%d}<br>net sentiment %{y:.1f}<br>%{customdata}<extra></extra>")
    fig.update_layout(**_layout("Long-run trend (weekly; a pale bar is the week still running)", margin=dict(l=50, r=70, t=48, b=40)),
                      yaxis=dict(title="net sentiment"), yaxis2=dict(title="reviews", overlaying="y", side="right", showgrid=False))
    return fig


def product_weekly(weeks: pd.DataFrame, product_id: str) -> go.Figure:
    """One product's reviews (bars) and net sentiment (line) per 7-day period ending on its last review, full
    periods only."""
    fig = go.Figure()
    weeks = complete_periods(weeks).sort_values("period_end")
    if weeks.empty:
        return _empty(fig, "No full week of reviews")
    fig.add_bar(x=weeks.period_end, y=weeks.reviews, name="reviews", yaxis="y2", marker_color="#c9d6df",
                hovertemplate="7 days to %{x|%Y-%m-%d}<br>%{y:,} reviews<extra></extra>")
    fig.add_scatter(x=weeks.period_end, y=weeks.net_sentiment, mode="lines+markers", name="net sentiment",
                    line=dict(width=3, color=POSITIVE), hovertemplate="7 days to %{x|%Y-%m-%d}<br>net %{y:.1f}<extra></extra>")
    fig.update_layout(**_layout(f"{escape(product_id)}: weekly net sentiment", height=260, margin=dict(l=50, r=70, t=44, b=30),
                                legend=dict(orientation="h", y=-0.25)),
                      yaxis=dict(title="net", range=[-105, 105]),
                      yaxis2=dict(title="reviews", overlaying="y", side="right", showgrid=False, rangemode="tozero"))
    return fig


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(text=message, showarrow=False, font=dict(size=16, color="#888"))
    fig.update_layout(**LAYOUT, xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig
