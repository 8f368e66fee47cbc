"""Plotly figures for the dashboard: dataframes in, figures out. Labels that come from data are escaped,
because plotly renders a subset of HTML in text and hover labels."""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

NEGATIVE, NEUTRAL, POSITIVE = "#d1495b", "#edae49", "#00798c"
LAYOUT = dict(template="plotly_white", margin=dict(l=50, r=20, t=40, b=40), height=360,
              font=dict(family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"),
              legend=dict(orientation="h", y=-0.18))


def net_sentiment(positive: float, negative: float, total: float) -> float:
    """Percent positive minus percent negative, on -100..100; 0 for no reviews. The charts need it on rolled
    and resampled counts; the tables get it from the SQL macro of the same name (sql/macros.sql).

    >>> net_sentiment(6, 2, 10)
    40.0
    """
    return (positive - negative) * 100.0 / total if total else 0.0


def sentiment_trend(daily: pd.DataFrame, top_categories: int = 5) -> go.Figure:
    """Daily net sentiment (thin) and its 7-day rolling value (bold), overall and for the largest categories."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No scored reviews yet")
    overall = daily.groupby("day", as_index=False)[["reviews", "positive", "negative"]].sum()
    series = [("All reviews", overall)]
    biggest = daily.groupby("category")["reviews"].sum().nlargest(top_categories).index
    series += [(c, daily[daily.category == c]) for c in biggest if daily.category.nunique() > 1]
    for i, (name, frame) in enumerate(series):
        frame = frame.set_index(pd.to_datetime(frame["day"])).sort_index()
        frame = frame[["reviews", "positive", "negative"]].resample("D").sum()
        rolled = frame.rolling(7, min_periods=1).sum()
        net = [net_sentiment(p, n, t) for p, n, t in zip(rolled.positive, rolled.negative, rolled.reviews)]
        label = escape(str(name))
        if i == 0:
            daily_net = [net_sentiment(p, n, t) for p, n, t in zip(frame.positive, frame.negative, frame.reviews)]
            fig.add_scatter(x=frame.index, y=daily_net, mode="lines", name="All reviews (daily)",
                            line=dict(width=1, color="#999"), opacity=0.6)
        fig.add_scatter(x=rolled.index, y=net, mode="lines", name=f"{label} (7-day)",
                        line=dict(width=3 if i == 0 else 1.5))
    fig.update_layout(**LAYOUT, title="Net sentiment over time", yaxis_title="net sentiment (−100…100)")
    return fig


def volume_trend(daily: pd.DataFrame) -> go.Figure:
    """Reviews per day, stacked by sentiment."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No scored reviews yet")
    overall = daily.groupby("day", as_index=False)[["negative", "neutral", "positive"]].sum()
    for column, colour in (("negative", NEGATIVE), ("neutral", NEUTRAL), ("positive", POSITIVE)):
        fig.add_bar(x=overall["day"], y=overall[column], name=column, marker_color=colour)
    fig.update_layout(**LAYOUT, barmode="stack", title="Reviews per day by sentiment", yaxis_title="reviews")
    return fig


def latest_topics(topics: pd.DataFrame, periods: int = 4) -> pd.DataFrame:
    """Mentions and mention-weighted net sentiment per topic over the last `periods` weekly periods."""
    if topics.empty:
        return pd.DataFrame(columns=["topic", "mentions", "net_sentiment"])
    recent = topics[topics.period_end >= sorted(topics.period_end.unique())[-min(periods, topics.period_end.nunique())]]
    grouped = recent.assign(weighted=recent.net_sentiment * recent.mentions).groupby("topic", as_index=False)[["mentions", "weighted"]].sum()
    grouped["net_sentiment"] = grouped.weighted / grouped.mentions
    return grouped.drop(columns="weighted").sort_values("mentions", ascending=False)


def topic_map(topics: pd.DataFrame) -> go.Figure:
    """What people talk about (mentions) against how they feel about it (net sentiment), last 4 weeks."""
    fig = go.Figure()
    summary = latest_topics(topics)
    if summary.empty:
        return _empty(fig, "No topics found yet")
    fig.add_scatter(
        x=summary.mentions, y=summary.net_sentiment, mode="markers+text", text=[escape(t) for t in summary.topic],
        textposition="top center", marker=dict(size=14, color=summary.net_sentiment, colorscale="RdYlGn", cmin=-100, cmax=100,
                                               line=dict(width=1, color="#333")),
        hovertemplate="%{text}<br>mentions %{x}<br>net sentiment %{y:.1f}<extra></extra>", name="topics",
    )
    fig.add_hline(y=0, line=dict(color="#aaa", dash="dot"))
    fig.update_layout(**LAYOUT, title="Topics: mentions × net sentiment (last 4 weeks)",
                      xaxis_title="mentions", yaxis_title="net sentiment", showlegend=False)
    return fig


def topic_trend(topics: pd.DataFrame, top: int = 6) -> go.Figure:
    """Weekly mentions of the most-mentioned topics."""
    fig = go.Figure()
    if topics.empty:
        return _empty(fig, "No topics found yet")
    weekly = topics.groupby(["period_end", "topic"], as_index=False)["mentions"].sum()
    for topic in latest_topics(topics).topic.head(top):
        frame = weekly[weekly.topic == topic].sort_values("period_end")
        fig.add_scatter(x=frame.period_end, y=frame.mentions, mode="lines+markers", name=escape(topic))
    fig.update_layout(**LAYOUT, title="Topic mentions per week", yaxis_title="mentions")
    return fig


def category_topic_heatmap(topics: pd.DataFrame, periods: int = 4) -> go.Figure:
    """Net sentiment of each topic within each category, last 4 weeks (blank: too few mentions)."""
    fig = go.Figure()
    if topics.empty:
        return _empty(fig, "No topics found yet")
    recent = topics[topics.period_end >= sorted(topics.period_end.unique())[-min(periods, topics.period_end.nunique())]]
    agg = recent.assign(weighted=recent.net_sentiment * recent.mentions).groupby(["category", "topic"], as_index=False)[["mentions", "weighted"]].sum()
    agg["net"] = agg.weighted / agg.mentions
    agg.loc[agg.mentions < 5, "net"] = None
    grid = agg.pivot(index="category", columns="topic", values="net")
    counts = agg.pivot(index="category", columns="topic", values="mentions").reindex_like(grid)
    fig.add_heatmap(z=grid.values, x=[escape(c) for c in grid.columns], y=[escape(str(i)) for i in grid.index],
                    colorscale="RdYlGn", zmin=-100, zmax=100, customdata=counts.values,
                    hovertemplate="%{y} · %{x}<br>net sentiment %{z:.1f}<br>mentions %{customdata}<extra></extra>",
                    colorbar=dict(title="net"))
    fig.update_layout(**{**LAYOUT, "height": max(320, 28 * len(grid) + 140), "margin": dict(l=180, r=20, t=40, b=90)},
                      title="Category × topic net sentiment (last 4 weeks)")
    return fig


def confusion_matrix(matrix: list[list[int]], labels: list[str], title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", showscale=False, text=matrix,
                    texttemplate="%{text}", hovertemplate="truth %{y}<br>predicted %{x}<br>%{z}<extra></extra>")
    fig.update_layout(**{**LAYOUT, "height": 300}, title=title, xaxis_title="predicted", yaxis_title="truth",
                      yaxis_autorange="reversed")
    return fig


def history_trend(daily: pd.DataFrame) -> go.Figure:
    """Weekly volume and net sentiment over the whole history."""
    fig = go.Figure()
    if daily.empty:
        return _empty(fig, "No history yet")
    frame = daily.groupby("day")[["reviews", "positive", "negative"]].sum()
    frame.index = pd.to_datetime(frame.index)
    weekly = frame.resample("W").sum()
    fig.add_bar(x=weekly.index, y=weekly.reviews, name="reviews per week", marker_color="#c9d6df", yaxis="y2")
    fig.add_scatter(x=weekly.index, y=[net_sentiment(p, n, t) for p, n, t in zip(weekly.positive, weekly.negative, weekly.reviews)],
                    mode="lines+markers", name="net sentiment", line=dict(width=3, color=POSITIVE))
    fig.update_layout(**LAYOUT, title="Long-run trend (weekly)", yaxis=dict(title="net sentiment"),
                      yaxis2=dict(title="reviews", overlaying="y", side="right", showgrid=False))
    return fig


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(text=message, showarrow=False, font=dict(size=16, color="#888"))
    fig.update_layout(**LAYOUT, xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig
