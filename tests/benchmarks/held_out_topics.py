"""Topics and aspect sentiment on English stores of other verticals, as their owners would get them: the store's
reviews ingested without ratings, `train` run on it (it picks the topic set by seed-word coverage, and the base
corpora teach sentiment), then its reviews scored and judged against hand-labelled reviews of its fixed test split.

    .venv/bin/python tests/benchmarks/held_out_topics.py --home /tmp/ff [--store food] [--seed 1] [--reuse]
    .venv/bin/python tests/benchmarks/held_out_topics.py --home /tmp/dt --store health
    .venv/bin/python tests/benchmarks/held_out_topics.py --home /tmp/ln --store services

Stores: `food`, the Amazon Fine Food reviews (held_out_stores.py); `health`, the Drugs.com patient reviews
(cross_vertical.drug_reviews); `services`, the mortgage-lender reviews (cross_vertical.lender_reviews). The gold files
(tests/benchmarks/data/) hold no review text: each row names its review by the sha256 of the cleaned text and its
clauses by character offsets into it, with topic and sentiment. Readers
(agent sessions) saw only the review text and the topic descriptions, never a model's output or the seed words, and
followed the guideline of flows/training/data/gold_topics.md with the store's topics (models/taxonomies/).

- food, test (fine_food_topics.jsonl): 200 reviews, the first by text hash among the test-split reviews of at most
  700 characters (127 of them 5-star, 73 of 1-4 stars), two readers.
- food, development (fine_food_dev_topics.jsonl): 150 reviews of the validation split, 20 to 700 characters, the
  first by text hash, three readers (50 each), 2026-12-05. It chose how the portable clause reader decides
  (models/clause_reader.corroborated) and the food set's seed words (models/taxonomies/food.toml).
- health, test (drug_topics.jsonl): every test-split review of 20 to 1,000 characters (105), two readers, 2026-12-05.
- health, development (drug_dev_topics.jsonl): 150 reviews of the other splits (the model trains on none: the store
  is ingested without ratings), 20 to 1,000 characters, the first by text hash, three readers, 2026-12-05.
- services, test (lender_topics.jsonl) and development (lender_dev_topics.jsonl): the mortgage-lender reviews
  (cross_vertical.lender_reviews), 20 to 1,500 characters, ordered by text hash: the first 120 and the next 120, two
  readers each, 2026-12-05. The store is small (386 texts), so the test reviews are drawn from all of it: the model
  trains on none of their labels (the store is ingested without ratings).

Development figures are printed apart from the held-out file's.

Beside the model: the seed-word labeller (topics) and the review's sentiment copied onto the gold topics and onto
the model's topics (aspects), as `eval` reports them for the demo. Prints a table and writes
<home>/bench/held_out_topics_<store>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewlens.flows.config import Settings                                    # noqa: E402
from reviewlens.flows.training.base_corpora import plain_text                   # noqa: E402
from tests.benchmarks.held_out_stores import fine_foods_raw                      # noqa: E402

if TYPE_CHECKING:
    from reviewlens.models.inference import ReviewModel

DATA = Path(__file__).with_name("data")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_export(prefix: str, bodies: pd.Series, products: pd.Series) -> pd.DataFrame:
    """Distinct, non-empty review texts as a store export without ratings: review_id, product_id, body, created_at."""
    raw = pd.DataFrame({"body": bodies, "product_id": products})
    raw = raw[raw["body"] != ""].drop_duplicates("body").reset_index(drop=True)
    return raw.assign(review_id=[f"{prefix}-{i:05d}" for i in range(len(raw))],
                      created_at="2026-12-01")[["review_id", "product_id", "body", "created_at"]]


def store_rows(cache: Path) -> pd.DataFrame:
    """The 4,972 distinct cleaned Fine Food reviews as a store export."""
    raw = fine_foods_raw(cache)
    return store_export("ff", raw["review"].map(plain_text), raw["product"])


def drug_store_rows(cache: Path) -> pd.DataFrame:
    """The distinct drug reviews, HTML decoded, as a store export; the drug's name is the product."""
    from tests.benchmarks.cross_vertical import drug_reviews

    raw = drug_reviews(cache)
    return store_export("dr", raw["text"], raw["product"])


def lender_store_rows(cache: Path) -> pd.DataFrame:
    """The distinct mortgage-lender reviews as a store export; the lender is the product."""
    from tests.benchmarks.cross_vertical import lender_reviews

    raw = lender_reviews(cache)
    return store_export("ln", raw["text"], raw["product"])


@dataclass(frozen=True)
class Store:
    name: str
    rows: Callable[[Path], pd.DataFrame]
    gold: Path
    dev: Path
    source: str


STORES = {"food": Store("Fine Food", store_rows, DATA / "fine_food_topics.jsonl", DATA / "fine_food_dev_topics.jsonl",
                        "grocery"),
          "health": Store("Drugs.com", drug_store_rows, DATA / "drug_topics.jsonl", DATA / "drug_dev_topics.jsonl",
                          "pharmacy"),
          "services": Store("mortgage-lender", lender_store_rows, DATA / "lender_topics.jsonl",
                            DATA / "lender_dev_topics.jsonl", "lenders")}


def load_gold(path: Path) -> dict[str, dict]:
    return {row["text_sha256"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if row}


def judged_set(model: ReviewModel, gold: dict[str, dict], by_key: dict[str, str]) -> dict:
    """judge_topics' figures on one hand-labelled file's reviews."""
    from reviewlens.flows.training.topic_gold import judge_topics

    truth = [row["topics"] for row in gold.values()]
    judged = judge_topics(model, [by_key[k] for k in gold], truth)
    return {"reviews": len(gold), "gold_pairs": sum(len(t) for t in truth),
            "topics": {who: judged[who] for who in ("model", "seed_words")}, "aspects": judged["aspects"],
            "named": judged["named"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--store", choices=sorted(STORES), default="food")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="judge the home's active model instead of training one")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import require_active
    from reviewlens.flows.training.flow import train_flow
    from reviewlens.models.inference import ReviewModel

    home = args.home.resolve()
    settings = Settings(home=home, cache=os.environ.get("REVIEWLENS_CACHE", ""))
    kind = STORES[args.store]
    store = kind.rows(settings.cache_dir)
    gold, dev = load_gold(kind.gold), load_gold(kind.dev)
    by_key = {text_key(t): t for t in store["body"]}
    missing = [k for k in gold | dev if k not in by_key]
    if missing:
        raise SystemExit(f"{len(missing)} gold reviews are not in the {kind.name} store: the data or its cleaning changed")
    started = time.monotonic()
    if not args.reuse:
        home.mkdir(parents=True, exist_ok=True)
        export = home / f"{args.store}_store.csv"
        store.to_csv(export, index=False)
        subprocess.run([sys.executable, "-c", "from reviewlens.flows.cli import main; main()", "ingest", str(export),
                        "--source", kind.source], check=True, env={**os.environ, "REVIEWLENS_HOME": str(home)})
        folder = train_flow(settings, "demo", activate=True, ablation=False, seed=args.seed).folder
    else:
        con = connect(settings.db_path, read_only=True, settings=settings)
        folder = require_active(con, settings.models_dir)[1]
        con.close()
    train_s = None if args.reuse else round(time.monotonic() - started, 1)          # --reuse trains nothing
    model = ReviewModel.load(folder, "cpu")
    results = {"store": args.store, "seed": args.seed, "train_seconds": train_s, "topic_set": model.taxonomy.ids}
    results |= judged_set(model, gold, by_key)
    results["development"] = judged_set(model, dev, by_key)
    print(f"\n{kind.name} store, demo preset, seed {args.seed}: topic set {', '.join(model.taxonomy.ids)}")
    for name, part in (("development", results["development"]), ("held out", results)):
        print(f"\n{name}: {part['reviews']} reviews, {part['gold_pairs']} (topic, sentiment) pairs")
        for who, r in part["topics"].items():
            print(f"topics {who:<28} micro-F1 {r['micro_f1']:.3f}  macro-F1 {r['macro_f1']:.3f}")
        for who, r in part["aspects"].items():
            print(f"aspects {who:<27} accuracy {r['accuracy']:.3f}  negatives found {r['negative_found']}/{r['negative_pairs']}")
        print("topics named: " + ", ".join(f"{k} {v}" for k, v in part["named"].items()))
    out = home / "bench" / f"held_out_topics_{args.store}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
