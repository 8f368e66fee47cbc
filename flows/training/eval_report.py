"""The evaluation report `train` and `eval` print: per language, the headline figures, precision/recall/F1 per class
and the confusion matrix, the model and the calibrated TF-IDF baseline side by side, then warnings in words."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reviewlens.models.sentiment_report import concerns
from reviewlens.reports.behaviour_floor import BEHAVIOUR_FLOOR, below_floor, mft_pass_rate
from reviewlens.reports.unjudged import unjudged_line

ABLATIONS = {"wide_only": "wide path alone", "random_init": "random-init encoder"}
WHO = {"model": "model", "baseline": "TF-IDF + LR baseline"}
CALIBRATION_NOISE = 0.01      # a change of ECE smaller than this, on a test split of a few thousand, is noise


def print_evaluation(out: Console, metrics: dict, where: str = "the fixed test split", warn: bool = False) -> None:
    """The sentiment figures of `metrics` (as evaluate_models or evaluate_version make them) measured on `where`, the
    topic, pretraining and cross-domain lines and the behavioural tests when present (with a warning for a language
    below their floor), and, with warn, what should stop the model being trusted."""
    sentiment = metrics.get("sentiment", {})
    out.print(_summary(metrics, where))
    for language, entry in sentiment.items():
        if (note := calibration_note(language, entry, where)) is not None:
            out.print(note, markup=False, highlight=False, soft_wrap=True)
    for language, entry in sentiment.items():
        out.print(_per_class(language, entry, where))
        out.print(_confusion(language, entry, where))
    if store := metrics.get("store"):           # a split that holds the base corpora: the store's own rows apart
        own = f"the store's own reviews in {where} (base corpora left out)"
        out.print(_summary({"sentiment": store}, own))
        for language, entry in store.items():
            out.print(_per_class(language, entry, own))
    if (line := unjudged_line(metrics.get("store_unjudged"), where)) is not None:
        out.print(f"warning: {line}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    for line in topic_lines(metrics.get("topics") or {}) + reader_lines(metrics.get("clause_reader")):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    pre = metrics.get("pretrain", {})
    for language in ("zh", "en"):
        if language in pre:
            out.print(f"pretraining {language}: masked-token accuracy {pre[language]['masked_accuracy']:.3f}, "
                      f"perplexity {pre[language]['perplexity']:.1f}")
    cross = metrics.get("cross_domain")
    if cross:
        out.print(f"cross-domain (Rotten Tomatoes, never trained on): English binary accuracy on {cross['n']:,} critic "
                  f"snippets: model {cross['model_accuracy']:.3f}, TF-IDF + LR baseline {cross['baseline_accuracy']:.3f}")
    behaviour = metrics.get("behaviour")
    if behaviour:
        out.print(_behaviour(behaviour))
        for line in below_floor(behaviour):          # said, never a reason to refuse activation
            out.print(f"warning: {line}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    if warn:
        for concern in concerns(sentiment):
            out.print(f"warning: on {where}, {concern}", style="yellow", markup=False, highlight=False, soft_wrap=True)


def topic_lines(topics: dict) -> list[str]:
    """The gold set's topic and aspect figures, each beside the simplest alternative it must beat: topics beside the
    seed-word labeller, aspect sentiment (every gold pair) beside copying the review's sentiment to every gold topic
    and to the topics the model named."""
    if not topics:
        return []
    model, seeds = topics["model"], topics["seed_words"]
    lines = [f"topics on the hand-labelled gold set (n={model['n']}): micro-F1 model {model['micro_f1']:.3f}, seed-word "
             f"labeller {seeds['micro_f1']:.3f} (macro-F1 {model['macro_f1']:.3f}, {seeds['macro_f1']:.3f})"]
    aspects = topics.get("aspects")
    if aspects:
        own, copy = aspects["model"], aspects["copy_review_sentiment"]
        lines.append(f"aspect sentiment over all {own['pairs']} gold (topic, sentiment) pairs, a topic not named counted "
                     f"wrong: model {own['accuracy']:.3f}, copy the review's sentiment {copy['accuracy']:.3f}; negative "
                     f"aspects found: model {own['negative_found']} of {own['negative_pairs']}, copy {copy['negative_found']}")
        same = aspects.get("copy_onto_model_topics")
        if same:
            lines.append(f"  the review's sentiment copied onto the topics the model named (what per-topic sentiment adds): "
                         f"{same['accuracy']:.3f}, negative aspects found {same['negative_found']}")
        lines += [f"  {language}: model {figures['accuracy']:.3f}, copy {copy['per_language'][language]['accuracy']:.3f}; "
                  f"negative aspects found: model {figures['negative_found']} of {figures['negative_pairs']}, copy "
                  f"{copy['per_language'][language]['negative_found']}" for language, figures in own["per_language"].items()]
    return lines


def reader_lines(reader: dict | None) -> list[str]:
    """What the clause reader is worth on hand-labelled clauses it was not fitted on, beside the review-level model."""
    if not reader:
        return []
    accuracy, recall = reader["accuracy"], reader["negative_recall"]
    lean = f", leaning {reader['negative_shift']:.3g} toward complaints" if reader.get("negative_shift") else ""
    kind = "portable clause reader (no clause state)" if reader.get("portable") else "clause reader"
    return [f"{kind} ({reader['clauses']:,} hand-labelled validation clauses, 5-fold{lean}): clause accuracy "
            f"{accuracy['reader']:.3f} (review-level model {accuracy['model']:.3f}), negative recall "
            f"{recall['reader']:.3f} ({recall['model']:.3f})"]


def _summary(metrics: dict, where: str) -> Table:
    """Accuracy, macro-F1, negative recall and ECE per language; an ablation's column only when it was trained."""
    ablations = {name: label for name, label in ABLATIONS.items() if metrics.get(name)}
    note = " (ablations as measured when the model was trained)" if ablations else ""
    table = Table("language", "metric", *WHO.values(), *ablations.values(), title=f"sentiment on {where}{note}")
    for language, entry in metrics.get("sentiment", {}).items():
        columns = [entry["model"], entry.get("baseline")]
        columns += [metrics[name].get(language, {}).get("model") for name in ablations]
        for i, metric in enumerate(("accuracy", "macro_f1", "negative recall", "ece")):
            table.add_row(f"{language} (n={entry['model']['n']:,})" if i == 0 else "",
                          "calibration error (ECE)" if metric == "ece" else metric,
                          *(_figure(figures, metric) for figures in columns))
    return table


def calibration_note(language: str, entry: dict, where: str) -> str | None:
    """The model's calibration error on `where` before and after the bias and temperature fitted on validation, and
    whether that helped here; None when either figure is missing.
    calibration_note('en', {'model': {'ece': 0.026}, 'ece_before_calibration': 0.022}, 'the fixed test split') ->
    'en: calibration error (ECE) on the fixed test split is 0.022 before the bias and temperature fitted on validation,
    0.026 after: no real change (a difference under 0.01 is noise)'"""
    before, after = entry.get("ece_before_calibration"), entry["model"].get("ece")
    if before is None or after is None:
        return None
    if abs(after - before) < CALIBRATION_NOISE:
        verdict = f"no real change (a difference under {CALIBRATION_NOISE:g} is noise)"
    elif after < before:
        verdict = "calibration helped"
    else:
        verdict = "worse after (the bias is fitted for macro-F1, which can cost calibration)"
    return (f"{language}: calibration error (ECE) on {where} is {before:.3f} before the bias and temperature fitted on "
            f"validation, {after:.3f} after: {verdict}")


def _behaviour(report: dict) -> Table:
    """Pass rate per capability and language of the behavioural suite, with one case that failed."""
    notes = {e["note"] for capabilities in report.values() for e in capabilities.values() if e.get("note")}
    table = Table("language", "capability", "test", "n", "pass rate", "a failed case",
                  title=f"behavioural tests (CheckList-style; floor: {BEHAVIOUR_FLOOR:.0%} of the MFT cases per language)",
                  caption="; ".join(f"* not counted in the floor: {note}" for note in sorted(notes)) or None)
    for column in table.columns[:5]:
        column.no_wrap = True
    for language, capabilities in report.items():
        rate = mft_pass_rate(capabilities)
        head = language if rate is None else f"{language} (MFT {rate:.0%})"
        for i, (name, e) in enumerate(capabilities.items()):
            table.add_row(head if i == 0 else "",
                          name + ("*" if e.get("note") else ""), e["type"], f"{e['n']:,}", f"{e['pass_rate']:.0%}",
                          e["examples_failed"][0] if e["examples_failed"] else "–")
    return table


def _figure(figures: dict | None, metric: str) -> str:
    if not figures:
        return "–"
    value = figures.get("per_class_recall", {}).get("negative") if metric == "negative recall" else figures.get(metric)
    return "–" if value is None else f"{value:.3f}"


def _per_class(language: str, entry: dict, where: str) -> Table:
    table = Table("", "class", "n", "precision", "recall", "F1", title=f"{language}: per class, on {where}")
    for who in (w for w in WHO if w in entry):
        figures = entry[who]
        for i, (name, truth) in enumerate(zip(figures["per_class_f1"], figures["confusion"])):
            table.add_row(WHO[who] if i == 0 else "", name, f"{sum(truth):,}",
                          *(f"{figures[key][name]:.3f}" for key in ("per_class_precision", "per_class_recall", "per_class_f1")))
    return table


def _confusion(language: str, entry: dict, where: str) -> Table:
    names = list(entry["model"]["per_class_f1"])
    table = Table("", "true class", *names, title=f"{language}: confusion matrix on {where} (columns: predicted)")
    for who in (w for w in WHO if w in entry):
        for i, (name, row) in enumerate(zip(names, entry[who]["confusion"])):
            table.add_row(WHO[who] if i == 0 else "", name, *(f"{count:,}" for count in row))
    return table


def print_input_counts(out: Console, name: str, counts: dict) -> None:
    """What of a file was judged and what was left out, and a warning when the store trained on some of it."""
    rejected = counts["rejected"]
    left_out = {f"rejected as ingest would {sum(rejected.values()):,} ("
                + ", ".join(f"{reason} {n:,}" for reason, n in sorted(rejected.items())) + ")": sum(rejected.values()),
                **{f"{what} {counts[key]:,}": counts[key] for key, what in (
                    ("duplicate ids", "repeated review ids"), ("without label or rating", "no label or rating"),
                    ("other languages", "neither English nor Chinese"))}}
    skipped = "; left out: " + ", ".join(text for text, n in left_out.items() if n) if any(left_out.values()) else ""
    out.print(f"{name}: {counts['read']:,} rows read, {counts['judged']:,} judged{skipped}", markup=False, highlight=False,
              soft_wrap=True)
    seen = counts["in the store's training split"]
    if seen:
        out.print(f"warning: {seen:,} of the {counts['judged']:,} judged reviews are in the store's training split: the "
                  "model and the baseline learnt them, so these figures flatter both", style="yellow", markup=False,
                  highlight=False, soft_wrap=True)
