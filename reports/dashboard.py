"""Dashboard pages: dataframes in, HTML files out. No network at view time: plotly.js is written once beside
the pages (or inlined for --standalone); every piece of review text is escaped by the template."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from reviewlens.models.atomic import atomic_path
from reviewlens.reports import figures

PLOTLY_JS = f"plotly-{plotly.__version__}.min.js"


@dataclass
class ReportData:
    run_date: date
    run_id: str | None
    headline: pd.DataFrame
    daily: pd.DataFrame
    topics: pd.DataFrame
    products: pd.DataFrame
    product_examples: pd.DataFrame
    product_topics: pd.DataFrame
    examples: pd.DataFrame
    alerts: pd.DataFrame
    emerging: pd.DataFrame
    candidates: pd.DataFrame
    model: pd.DataFrame

    def headline_figures(self) -> dict:
        """Reviews, net sentiment and % negative for the last 7 days and the 7 before."""
        rows = {r.period: r for r in self.headline.itertuples()}
        out = {}
        for period in ("current", "previous"):
            r = rows.get(period)
            out[period] = {"reviews": int(r.reviews) if r is not None else 0,
                           "net_sentiment": _num(r.net_sentiment) if r is not None else None,
                           "negative_pct": _num(r.negative_pct) if r is not None else None}
        return out


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def safe_json(fig: go.Figure) -> str:
    """Figure JSON that is safe inside a <script> element (no '</script>', no HTML comment openers)."""
    text = fig.to_json()
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("reviewlens.reports").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["signed"] = lambda v, digits=1: "–" if v is None else f"{v:+.{digits}f}"
    env.filters["fixed"] = lambda v, digits=1: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"
    return env


def _plotly_script(out_dir: Path, page_dir: Path, standalone: bool) -> dict:
    if standalone:
        return {"inline": get_plotlyjs(), "src": None}
    target = out_dir / PLOTLY_JS
    if not target.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        _write(target, get_plotlyjs())
    return {"inline": None, "src": Path("..", PLOTLY_JS).as_posix() if page_dir != out_dir else PLOTLY_JS}


def highlight(body: str, start, end) -> list[tuple[str, bool]]:
    """The body as (text, highlighted) pieces; the template escapes each.

    >>> highlight('ab cd', 3, 5)
    [('ab ', False), ('cd', True)]
    """
    if pd.isna(start) or pd.isna(end):
        return [(body, False)]
    start, end = int(start), int(end)
    return [p for p in ((body[:start], False), (body[start:end], True), (body[end:], False)) if p[0]]


def _model_card(model: pd.DataFrame) -> dict | None:
    if model.empty:
        return None
    row = model.iloc[0]
    metrics = json.loads(row.metrics) if isinstance(row.metrics, str) else (row.metrics or {})
    languages = []
    confusions = []
    for language, entry in metrics.get("sentiment", {}).items():
        m, b = entry.get("model", {}), entry.get("baseline", {})
        ablation = metrics.get("random_init", {}).get(language, {}).get("model", {})
        languages.append({"language": language, "n": m.get("n"), "accuracy": m.get("accuracy"), "macro_f1": m.get("macro_f1"),
                          "ece": m.get("ece"), "baseline_accuracy": b.get("accuracy"), "baseline_macro_f1": b.get("macro_f1"),
                          "random_init_accuracy": ablation.get("accuracy"), "random_init_macro_f1": ablation.get("macro_f1")})
        if m.get("confusion"):
            labels = list(m.get("per_class_f1", {}).keys())
            confusions.append(figures.confusion_matrix(m["confusion"], labels, f"{language}: confusion matrix (test split)"))
    return {"version": row.model_version, "created": str(row.created_at)[:16], "preset": row.preset,
            "languages": languages, "confusions": confusions}


def _leaderboard(data: ReportData, n: int = 8) -> dict:
    ranked = data.products[data.products["rank"].notna()].sort_values("net_sentiment")
    examples = {pid: g for pid, g in data.product_examples.groupby("product_id")}
    topics = {pid: g for pid, g in data.product_topics.groupby("product_id")}

    def entry(row) -> dict:
        ex = examples.get(row.product_id, pd.DataFrame(columns=["sentiment", "body", "day"]))
        tp = topics.get(row.product_id, pd.DataFrame(columns=["topic", "mentions", "net_sentiment"]))
        return {"product_id": row.product_id, "category": row.category, "reviews": int(row.reviews),
                "net": row.net_sentiment, "trend_7d": _num(row.trend_7d), "trend_28d": _num(row.trend_28d),
                "worst_topics": list(row.worst_topics) if row.worst_topics is not None else [],
                "topics": tp.head(6).to_dict("records"), "examples": ex.to_dict("records")}

    n_worst = min(n, math.ceil(len(ranked) / 2))                 # few products: split them, never list one twice
    worst = [entry(r) for r in ranked.head(n_worst).itertuples()]
    best = [entry(r) for r in ranked.iloc[n_worst:].tail(n).iloc[::-1].itertuples()]
    return {"worst": worst, "best": best, "ranked": len(ranked)}


def _examples(examples: pd.DataFrame) -> list[dict]:
    out = []
    for topic, group in examples.groupby("topic", sort=True):
        by_sentiment = {}
        for sentiment, g in group.groupby("sentiment"):
            by_sentiment[sentiment] = [{"pieces": highlight(r.body, r.char_start, r.char_end), "product_id": r.product_id,
                                        "confidence": r.confidence} for r in g.sort_values("example_no").itertuples()]
        out.append({"topic": topic, "by_sentiment": by_sentiment})
    return out


def render_run_page(data: ReportData, plotly_script: dict) -> str:
    charts = {
        "sentiment_trend": figures.sentiment_trend(data.daily),
        "volume": figures.volume_trend(data.daily),
        "topic_map": figures.topic_map(data.topics),
        "topic_trend": figures.topic_trend(data.topics),
        "heatmap": figures.category_topic_heatmap(data.topics),
    }
    card = _model_card(data.model)
    if card:
        for i, fig in enumerate(card.pop("confusions")):
            charts[f"confusion_{i}"] = fig
    head = data.headline_figures()
    return _environment().get_template("run.html.j2").render(
        run_date=data.run_date, run_id=data.run_id, generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        head=head, alerts=data.alerts.to_dict("records"), charts={k: safe_json(v) for k, v in charts.items()},
        leaderboard=_leaderboard(data), examples=_examples(data.examples), emerging=data.emerging.to_dict("records"),
        candidates=data.candidates.to_dict("records"), card=card, plotly=plotly_script,
    )


def write_run_page(data: ReportData, out_dir: Path, standalone: bool = False) -> Path:
    """reports/<run-date>/index.html (sharing reports/plotly-*.js), or reports/<run-date>.html with plotly inlined."""
    page_dir = out_dir if standalone else out_dir / data.run_date.isoformat()
    page_dir.mkdir(parents=True, exist_ok=True)
    path = page_dir / (f"{data.run_date.isoformat()}-standalone.html" if standalone else "index.html")
    _write(path, render_run_page(data, _plotly_script(out_dir, page_dir, standalone)))
    return path


def write_history_page(runs: pd.DataFrame, daily: pd.DataFrame, out_dir: Path) -> Path:
    """reports/index.html: one row per run date with its headline figures and a link, plus the long-run trend."""
    rows = []
    for r in runs.itertuples():
        headline = json.loads(r.headline) if isinstance(r.headline, str) else {}
        current = headline.get("current", {})
        page = out_dir / pd.Timestamp(r.run_date).date().isoformat() / "index.html"
        rows.append({"run_date": pd.Timestamp(r.run_date).date().isoformat(), "reviews": current.get("reviews"),
                     "net": current.get("net_sentiment"), "negative_pct": current.get("negative_pct"),
                     "alerts": None if pd.isna(r.alerts) else int(r.alerts), "scored": None if pd.isna(r.reviews_scored) else int(r.reviews_scored),
                     "href": f"{pd.Timestamp(r.run_date).date().isoformat()}/index.html" if page.exists() else None,
                     "model_version": r.model_version})
    html = _environment().get_template("index.html.j2").render(
        rows=rows, trend=safe_json(figures.history_trend(daily)), generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        plotly=_plotly_script(out_dir, out_dir, False),
    )
    path = out_dir / "index.html"
    _write(path, html)
    return path


def _write(path: Path, text: str) -> None:
    """A page is replaced whole: a browser or web server never reads half of one."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
