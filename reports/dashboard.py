"""Dashboard pages: dataframes in, HTML (and CSV) text out; flows/nightly/dashboards.py writes the files. No network
at view time: plotly.js is a file beside the pages, written once (or inlined for --standalone); every piece of review
text is escaped by the template."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from urllib.parse import quote

import jinja2
import pandas as pd
import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from reviewlens.reports import figures
from reviewlens.reports.behaviour_floor import BEHAVIOUR_FLOOR, mft_pass_rate
from reviewlens.reports.unjudged import unjudged_line

PLOTLY_JS = f"plotly-{plotly.__version__}.min.js"


LANGUAGES = {"en": "English", "zh": "Chinese"}                   # languages the page can filter by: code -> label
LEADERBOARD_SIZE = 8                                                # products per leaderboard list


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
    product_weekly: pd.DataFrame
    examples: pd.DataFrame
    alerts: pd.DataFrame
    alert_reviews: pd.DataFrame
    movers: pd.DataFrame
    emerging: pd.DataFrame
    candidates: pd.DataFrame
    model: pd.DataFrame
    demo_sources: pd.DataFrame
    ranking_days: int                     # the window product ranks are over (the insight tables' parameter)
    latest: date | None = None            # the newest night, when this page is a backfill of an earlier one

    def views(self) -> dict[str, str]:
        """The page's language views, code -> label: all reviews, then each language the store's reviews are in
        (none when they are all in one: a filter with one choice filters nothing)."""
        present = set(self.daily["language"]) if "language" in self.daily else set()
        offered = {code: label for code, label in LANGUAGES.items() if code in present}
        return {"all": "both" if len(offered) == 2 else "all", **offered} if len(offered) > 1 else {"all": "all"}

    def headline_figures(self, language: str = "all") -> dict:
        """Reviews, net sentiment and % negative for the last 7 days and the 7 before, over all reviews or one
        language's."""
        frame = self.headline
        if "language" in frame:
            frame = frame[frame["language"] == language]
        rows = {r.period: r for r in frame.itertuples()}
        out = {}
        for period in ("current", "previous"):
            r = rows.get(period)
            out[period] = {"reviews": int(r.reviews) if r is not None else 0,
                           "net_sentiment": _num(r.net_sentiment) if r is not None else None,
                           "negative_pct": _num(r.negative_pct) if r is not None else None}
        return out


def _int(value) -> int | None:
    """A count from the database: 0 stays 0, only a missing value is None."""
    return None if _missing(value) else int(value)


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def safe_json(fig: go.Figure | dict | list) -> str:
    """Figure (or plain data) JSON that is safe inside a <script> element (no '</script>', no HTML comment openers)."""
    text = fig.to_json() if isinstance(fig, go.Figure) else json.dumps(fig, default=str)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value))


def count(value) -> str:
    """A count as people write it: an integer with thousands separators, '–' when unknown.

    >>> count(2256.0), count(-264), count(None)
    ('2,256', '-264', '–')
    """
    return "–" if _missing(value) else f"{int(round(float(value))):,}"


def signed_count(value) -> str:
    """A change in a count, always signed.  signed_count(-264.0) -> '−264'

    >>> signed_count(-264.0), signed_count(1200), signed_count(0)
    ('−264', '+1,200', '±0')
    """
    if _missing(value):
        return "–"
    n = int(round(float(value)))
    return "±0" if n == 0 else f"{n:+,}".replace("-", "−")


def percent(share) -> str:
    """A share 0..1 as a whole percent.  percent(0.3412) -> '34%'"""
    return "–" if _missing(share) else f"{float(share) * 100:.0f}%"


def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("reviewlens.reports").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["signed"] = lambda v, digits=1: "–" if _missing(v) else f"{v:+.{digits}f}"
    env.filters["fixed"] = lambda v, digits=1: "–" if _missing(v) else f"{v:.{digits}f}"
    env.filters["count"] = count
    env.filters["signed_count"] = signed_count
    env.filters["percent"] = percent
    env.filters["short_category"] = lambda c: figures.short_labels([str(c)])[str(c)]
    return env


def _plotly_script(nested: bool, standalone: bool) -> dict:
    """plotly inlined (standalone), else the shared PLOTLY_JS (`shared_files`) from a page in the reports folder
    or, nested, a folder below it."""
    if standalone:
        return {"inline": get_plotlyjs(), "src": None}
    return {"inline": None, "src": f"../{PLOTLY_JS}" if nested else PLOTLY_JS}


def shared_files() -> dict[str, str]:
    """The files every page that is not standalone links to, by path relative to the reports folder."""
    return {PLOTLY_JS: get_plotlyjs()}


def highlight(body: str, start, end) -> list[tuple[str, bool]]:
    """The body as (text, highlighted) pieces; the template escapes each.

    >>> highlight('ab cd', 3, 5)
    [('ab ', False), ('cd', True)]
    """
    if pd.isna(start) or pd.isna(end):
        return [(body, False)]
    start, end = int(start), int(end)
    return [p for p in ((body[:start], False), (body[start:end], True), (body[end:], False)) if p[0]]


def langs(value, default: str = "en zh") -> str:
    """The data-langs attribute of a row: the languages it concerns, space-separated (CSS `~=` matches one).

    >>> langs(['en', 'zh']), langs('zh'), langs(None)
    ('en zh', 'zh', 'en zh')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    items = [value] if isinstance(value, str) else [str(v) for v in value]
    return " ".join(items) or default


ABLATIONS = {"wide_only": ("wide path alone", "what the encoder adds"),
             "random_init": ("random-init encoder", "what pretraining adds")}


def _card_row(language: str, entry: dict) -> dict:
    """One language's row of the model card: the model's figures and the baseline's."""
    m, b = entry.get("model", {}), entry.get("baseline", {})
    return {"language": language, "n": m.get("n"), "accuracy": m.get("accuracy"), "macro_f1": m.get("macro_f1"),
            "ece": m.get("ece"), "baseline_accuracy": b.get("accuracy"), "baseline_macro_f1": b.get("macro_f1")}


def model_card(model: pd.DataFrame) -> dict | None:
    """The active model's figures as measured when it was trained: per language, the model and the baseline, the
    ablations that were trained (only those) and the behavioural tests' pass rates (when they were run)."""
    if model.empty:
        return None
    row = model.iloc[0]
    metrics = json.loads(row.metrics) if isinstance(row.metrics, str) else (row.metrics or {})
    ablations = [{"key": key, "label": label, "shows": shows} for key, (label, shows) in ABLATIONS.items() if metrics.get(key)]
    languages = []
    confusions = []
    for language, entry in metrics.get("sentiment", {}).items():
        m = entry.get("model", {})
        languages.append({**_card_row(language, entry),
                          **{f"{a['key']}_{k}": metrics[a["key"]].get(language, {}).get("model", {}).get(k)
                             for a in ablations for k in ("accuracy", "macro_f1")}})
        if m.get("confusion"):
            labels = list(m.get("per_class_f1", {}).keys())
            confusions.append((language, figures.confusion_matrix(m["confusion"], labels, f"{language}: confusion matrix (test split)")))
    # a store that learned beside the base corpora: its own test reviews apart (the split's figures are mostly theirs)
    own = [_card_row(language, entry) for language, entry in metrics.get("store", {}).items()]
    return {"version": row.model_version, "created": str(row.created_at)[:16], "preset": row.preset,
            "languages": languages, "own": own, "unjudged": unjudged_line(metrics.get("store_unjudged")),
            "ablations": ablations, "baseline_calibrated": "baseline_calibration" in metrics,
            "confusions": confusions, "cross_domain": metrics.get("cross_domain"),
            "behaviour": behaviour_card(metrics.get("behaviour")), "behaviour_floor": BEHAVIOUR_FLOOR,
            "topics": topic_card(metrics.get("topics"))}


def topic_card(topics: dict | None) -> dict | None:
    """Topic micro-F1 beside the seed-word labeller and aspect accuracy over every gold pair beside copying the review's
    sentiment, as measured on the gold set; None for a model trained before aspects were measured that way."""
    if not topics or "aspects" not in topics:
        return None
    own, copy = topics["aspects"]["model"], topics["aspects"]["copy_review_sentiment"]
    return {"n": topics["model"]["n"], "micro_f1": topics["model"]["micro_f1"], "seed_micro_f1": topics["seed_words"]["micro_f1"],
            "pairs": own["pairs"], "accuracy": own["accuracy"], "copy_accuracy": copy["accuracy"],
            "negative_found": own["negative_found"], "negative_pairs": own["negative_pairs"], "copy_negative_found": copy["negative_found"],
            "same_topics_accuracy": topics["aspects"].get("copy_onto_model_topics", {}).get("accuracy")}


def behaviour_card(report: dict | None) -> list[dict]:
    """Per language, the behavioural tests' MFT pass rate, whether it is below the floor, and each capability's row;
    empty for a model trained before the suite existed."""
    out = []
    for language, capabilities in (report or {}).items():
        rate = mft_pass_rate(capabilities)
        out.append({"language": language, "mft_pass_rate": rate, "below_floor": rate is not None and rate < BEHAVIOUR_FLOOR,
                    "capabilities": [{"name": name, "description": "", "note": "", **entry} for name, entry in capabilities.items()]})
    return out


def _by_product(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {pid: g for pid, g in frame.groupby("product_id", sort=False)} if len(frame) else {}


def _leaderboard(data: ReportData, language: str = "all", n: int = LEADERBOARD_SIZE) -> dict:
    """The n products that most surely need attention (rank) and the n most surely liked (best_rank), over all
    products or one language's, each with its drill-down; and the placeholder products left out."""
    products = data.products
    ranked = products[products["rank"].notna()]
    labels = figures.short_labels(products["category"])
    if language != "all":
        ranked = ranked[ranked["language"] == language]
        products = products[products["language"] == language]
    examples, topics, weekly = (_by_product(f) for f in (data.product_examples, data.product_topics, data.product_weekly))

    def entry(row) -> dict:
        tp = topics.get(row.product_id, pd.DataFrame(columns=["topic", "mentions", "net_sentiment", "category_net_sentiment"]))
        ex = examples.get(row.product_id, pd.DataFrame(columns=["body", "day", "rating", "topics"]))
        wk = weekly.get(row.product_id, pd.DataFrame(columns=["period_end", "reviews", "net_sentiment", "complete"]))
        return {"product_id": row.product_id, "category": row.category, "category_label": labels[row.category],
                "reviews": int(row.reviews), "recent_reviews": int(row.recent_reviews), "last_review": row.last_review,
                "negative_share": row.recent_negative / row.recent_reviews, "negative_low": row.negative_low,
                "negative_high": row.negative_high, "positive_share": row.recent_positive / row.recent_reviews,
                "positive_low": row.positive_low, "positive_high": row.positive_high,
                "net": row.net_sentiment, "trend_7d": _num(row.trend_7d), "trend_28d": _num(row.trend_28d),
                "worst_topics": list(row.worst_topics) if row.worst_topics is not None else [],
                "topics": [{"topic": t.topic, "mentions": t.mentions, "net": t.net_sentiment, "category_net": t.category_net_sentiment,
                            "difference": None if _missing(t.category_net_sentiment) else t.net_sentiment - t.category_net_sentiment}
                           for t in tp.head(8).itertuples()],
                "examples": [{"body": e.body, "day": e.day, "rating": None if _missing(e.rating) else int(e.rating),
                              "topics": list(e.topics) if e.topics is not None else []} for e in ex.itertuples()],
                "weekly": safe_json(figures.product_weekly(wk, row.product_id))}

    n_worst = min(n, math.ceil(len(ranked) / 2))                 # few products: split them, never list one twice
    worst = ranked.sort_values("rank").head(n_worst)
    best = ranked[~ranked.product_id.isin(worst.product_id)].sort_values("best_rank").head(n)
    unranked = products[~products["rankable"].fillna(True).astype(bool)].sort_values("reviews", ascending=False)
    return {"worst": [entry(r) for r in worst.itertuples()], "best": [entry(r) for r in best.itertuples()],
            "ranked": len(ranked), "placeholders": unranked.head(3).to_dict("records"), "placeholder_count": len(unranked)}


def _examples(examples: pd.DataFrame) -> list[dict]:
    out = []
    for topic, group in examples.groupby("topic", sort=True):
        by_sentiment = {}
        for sentiment, g in group.groupby("sentiment"):
            by_sentiment[sentiment] = [{"pieces": highlight(r.body, r.char_start, r.char_end), "product_id": r.product_id,
                                        "confidence": r.confidence, "language": r.language}
                                       for r in g.sort_values("example_no").itertuples()]
        out.append({"topic": topic, "by_sentiment": by_sentiment, "langs": langs(sorted(set(group.language)))})
    return out


def _alerts(data: ReportData) -> list[dict]:
    """The run date's alerts, each with the reviews behind it."""
    behind = {key: g for key, g in data.alert_reviews.groupby(["scope", "scope_id"], sort=False)} if len(data.alert_reviews) else {}
    out = []
    for a in data.alerts.to_dict("records"):
        reviews = behind.get((a["scope"], a["scope_id"]), pd.DataFrame(columns=["body"]))
        out.append({**a, "langs": langs(a.get("languages")), "reviews": [
            {"pieces": highlight(r.body, r.char_start, r.char_end), "product_id": r.product_id, "category": r.category,
             "day": r.day, "language": r.language} for r in reviews.itertuples()]})
    return out


def _charts(data: ReportData) -> dict[str, go.Figure]:
    """Every overview chart once per language view: key '<chart>-<language>'."""
    charts = {}
    for language in data.views():
        daily, topics = data.daily, data.topics
        if language != "all" and "language" in daily:
            daily, topics = daily[daily["language"] == language], topics[topics["language"] == language]
        charts[f"sentiment_trend-{language}"] = figures.sentiment_trend(daily)
        charts[f"volume-{language}"] = figures.volume_trend(daily)
        charts[f"topic_map-{language}"] = figures.topic_map(topics, until=data.run_date)
        charts[f"topic_trend-{language}"] = figures.topic_trend(topics)
        charts[f"heatmap-{language}"] = figures.category_topic_heatmap(topics, until=data.run_date)
    return charts


def export_tables(data: ReportData) -> dict[str, pd.DataFrame]:
    """What each table's "export" link downloads, by file stem: the table's rows, all languages."""
    card = model_card(data.model)
    return {
        "alerts": data.alerts, "alert_reviews": data.alert_reviews, "topic_movers": data.movers, "products": data.products,
        "topic_examples": data.examples.drop(columns=["char_start", "char_end"], errors="ignore"), "emerging_terms": data.emerging,
        "topic_candidates": data.candidates, "model_card": pd.DataFrame(card["languages"] if card else []),
    }


def csv_text(frame: pd.DataFrame) -> str:
    """CSV of a frame for spreadsheets: lists joined with '; ', text that a spreadsheet would run as a formula
    (starting with =, +, -, @, a tab or a carriage return, at the start of the text or of any line in it) prefixed
    with an apostrophe, and every field holding a line break quoted (lines end in CRLF, as RFC 4180 has them), so
    no reader can split a cell into a row of its own.

    >>> csv_text(pd.DataFrame({"term": ["=HYPERLINK(1)", "fit"], "n": [-2, 3], "tags": [["a", "b"], []]})).splitlines()
    ['term,n,tags', "'=HYPERLINK(1),-2,a; b", 'fit,3,']
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [_cell(v) for v in out[column]]
    return out.to_csv(index=False, lineterminator="\r\n")      # the csv module quotes a field holding \r or \n


_FORMULA_START = re.compile(r"(?:^|(?<=[\r\n]))(?=[=+\-@\t\r])")     # the text's start or a line's


def _cell(value):
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist") and not isinstance(value, str):
        value = "; ".join(str(v) for v in list(value))
    if isinstance(value, str):
        return _FORMULA_START.sub("'", value)
    return value


def render_run_page(data: ReportData, plotly_script: dict, exports: dict[str, str] | None = None) -> str:
    charts = _charts(data)
    card = model_card(data.model)
    confusions = []
    if card:
        for i, (language, fig) in enumerate(card.pop("confusions")):
            charts[f"confusion_{i}"] = fig
            confusions.append({"key": f"confusion_{i}", "language": language})
    alerts = _alerts(data)
    views = data.views()
    alert_counts = {lang: sum(lang == "all" or lang in a["langs"].split() for a in alerts) for lang in views}
    return _environment().get_template("run.html.j2").render(
        run_date=data.run_date, run_id=data.run_id, generated=datetime.now().strftime("%Y-%m-%d %H:%M"), latest=data.latest,
        languages=views, store_languages=[LANGUAGES.get(c, c) for c in sorted(set(data.daily.get("language", [])))],
        head={lang: data.headline_figures(lang) for lang in views}, alerts=alerts,
        alert_counts=alert_counts,
        movers=[{**m, "langs": langs(m["language"])} for m in data.movers.to_dict("records")],
        charts={k: safe_json(v) for k, v in charts.items()}, confusions=confusions,
        leaderboards={lang: _leaderboard(data, lang) for lang in views}, examples=_examples(data.examples),
        emerging=[{**e, "langs": langs(e["language"])} for e in data.emerging.to_dict("records")],
        candidates=[{**c, "langs": langs(c.get("language") or None)} for c in data.candidates.to_dict("records")],
        card=card, plotly=plotly_script, ranking_days=data.ranking_days, demo_sources=data.demo_sources.to_dict("records"), exports=exports or {},
    )


def run_page_files(data: ReportData, standalone: bool = False) -> dict[str, str]:
    """The files of a night's page by path relative to the reports folder, the page last: <run-date>/index.html
    (sharing `shared_files`) with each table's CSV beside it, or <run-date>-standalone.html with plotly inlined
    and the CSVs inside the links (one file to mail)."""
    day = data.run_date.isoformat()
    files, exports = {}, {}
    for name, frame in export_tables(data).items():
        text = csv_text(frame)
        if standalone:
            exports[name] = "data:text/csv;charset=utf-8," + quote(text)
        else:
            files[f"{day}/{name}.csv"] = text
            exports[name] = f"{name}.csv"
    page = f"{day}-standalone.html" if standalone else f"{day}/index.html"
    files[page] = render_run_page(data, _plotly_script(not standalone, standalone), exports)
    return files


def history_page(runs: pd.DataFrame, daily: pd.DataFrame, pages: set[str]) -> str:
    """reports/index.html: one row per run date with its headline figures, linked where `pages` (paths relative to
    the reports folder) holds its night's page, plus the long-run trend."""
    rows = []
    for r in runs.itertuples():
        headline = json.loads(r.headline) if isinstance(r.headline, str) else {}
        current = headline.get("current", {})
        page = f"{pd.Timestamp(r.run_date).date().isoformat()}/index.html"
        rows.append({"run_date": pd.Timestamp(r.run_date).date().isoformat(), "reviews": current.get("reviews"),
                     "net": current.get("net_sentiment"), "negative_pct": current.get("negative_pct"),
                     "alerts": _int(r.alerts), "scored": _int(r.reviews_scored),
                     "href": page if page in pages else None,
                     "model_version": r.model_version})
    return _environment().get_template("index.html.j2").render(
        rows=rows, trend=safe_json(figures.history_trend(daily)), generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        plotly=_plotly_script(False, False),
    )
