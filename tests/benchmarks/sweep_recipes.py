"""Training recipes compared on the same data in one process: the table the presets are chosen from.

Each named recipe (optional pretraining, then fine-tuning) is trained over seeds as `reviewlens train` trains it: on
the store's reviews and the base corpora, with the sentiment lexicon, the coverage gate, calibration and the clause
reader, on the fixed train split; figures on the validation split are for choosing, the test split (--final) gives
the final table. The TF-IDF + logistic regression baseline is trained once on the same rows. Wall time is measured
per run in this process, so compare recipes only within one printed table.

    python tests/benchmarks/sweep_recipes.py --home var [--recipes demo_wide_only,demo] [--seeds 0,1,2] [--final]

Needs a store with the demo reviews (`reviewlens demo-data`) and REVIEWLENS_CACHE as the train flow has it. Prints a
table and writes <home>/bench/sweep_recipes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from rich.console import Console

from reviewlens.flows.config import Settings
from reviewlens.flows.training.clause_reader_step import fit_reader
from reviewlens.flows.training.finetune_step import evaluate, figures, labelled, split_baseline, train_classifier
from reviewlens.flows.training.flow import lexicon_table
from reviewlens.flows.training.pretrain_step import training_corpus
from reviewlens.flows.training.topic_gold import evaluate_topics
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import FinetuneConfig
from reviewlens.models.inference import ReviewModel, reads_clauses_in_context
from reviewlens.models.masking import MaskingConfig, continuation_table
from reviewlens.models.presets import PRESETS
from reviewlens.models.pretrain import PretrainConfig, pretrain
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy
from reviewlens.models.tokenizer import encode, train_tokenizer


@dataclass
class Recipe:
    encoder: EncoderConfig
    finetune: FinetuneConfig
    pretrain: PretrainConfig | None = None
    note: str = ""



def recipes() -> dict[str, Recipe]:
    """Each name says what it trains; the presets' recipes are PRESETS' own, so the table judges what `train` runs."""
    demo, full = PRESETS["demo"], PRESETS["full"]
    return {
        "demo": Recipe(demo.encoder, demo.finetune, note="the demo preset: encoder + wide n-gram path + lexicon, mixed on validation"),
        "demo_wide_only": Recipe(demo.encoder, replace(demo.finetune, wide_only=True), note="the demo preset's wide n-gram path alone"),
        "demo_encoder_only": Recipe(demo.encoder, replace(demo.finetune, wide_buckets=0), note="the demo preset's encoder alone (no wide path, no lexicon)"),
        "full": Recipe(full.encoder, full.finetune, note="the full preset: 3 epochs, clause-level topics and MIL clause sentiment"),
        "demo_mlm40": Recipe(demo.encoder, demo.finetune, PretrainConfig(steps=150, max_tokens=8_192, lr=1e-3, warmup_steps=15,
                                                                         masking=MaskingConfig(rate=0.4)),
                             note="the demo preset after 150 steps of MLM pretraining at a 40% mask rate"),
    }


def headline(sentiment: dict) -> dict[str, float]:
    """zh accuracy, en macro-F1 and en negative recall from an evaluate() result."""
    zh, en = sentiment.get("zh", {}).get("model", {}), sentiment.get("en", {}).get("model", {})
    confusion = np.array(en.get("confusion", [[0]]))
    recall = float(confusion[0, 0] / max(1, confusion[0].sum())) if confusion.shape[0] == 3 else float("nan")
    return {"zh_acc": zh.get("accuracy", float("nan")), "en_f1": en.get("macro_f1", float("nan")), "en_neg_recall": recall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("var"))
    parser.add_argument("--recipes", default="demo_wide_only,demo", help=", ".join(recipes()))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--final", action="store_true", help="also report the test split (once the recipe is chosen)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    console = Console(stderr=True)
    cache = Settings(home=args.home, cache=os.environ.get("REVIEWLENS_CACHE", "")).cache_dir
    frame = training_corpus(args.home / "reviewlens.duckdb", cache).frame
    train, val, test = (frame[frame["split"] == s] for s in ("train", "val", "test"))
    started = time.perf_counter()
    tokenizer = train_tokenizer(frame[frame["split"] != "test"]["body"].tolist(), PRESETS["demo"].vocab_size)
    taxonomy = load_taxonomy()
    labeller = SeedLabeller(taxonomy)
    max_len = PRESETS["demo"].encoder.max_len
    data = {name: labelled(part, tokenizer, labeller, max_len) for name, part in (("train", train), ("val", val))}
    console.print(f"tokenizer + labelled splits: {time.perf_counter() - started:.1f} s; "
                  f"{len(data['train'].sequences)} train reviews, {len(data['train'].clauses)} clauses")
    fitted = split_baseline(frame)
    baseline = {part: evaluate_baseline(fitted, split) for part, split in (("val", val), ("test", test))}
    rows = [{"recipe": "tf-idf + LR baseline", "seed": "-", "seconds": None, **{f"val_{k}": v for k, v in baseline["val"].items()},
             **({f"test_{k}": v for k, v in baseline["test"].items()} if args.final else {})}]
    table = recipes()
    unknown = [name for name in args.recipes.split(",") if name not in table]
    if unknown:
        raise SystemExit(f"unknown recipe {', '.join(unknown)}; the recipes: {', '.join(table)}")
    for name in args.recipes.split(","):
        recipe = table[name]
        for seed in (int(s) for s in args.seeds.split(",")):
            rows.append(run(name, recipe, seed, tokenizer, taxonomy, data, train, val, test, frame, args.final, console, cache))
            print_table(rows)
            out = args.home / "bench" / "sweep_recipes.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(rows, indent=2))


def evaluate_baseline(baseline, split) -> dict[str, float]:
    """The calibrated TF-IDF baseline's headline figures on a split, as the model's are reported."""
    probs = baseline.probs(split["body"].tolist(), split["language"].tolist())
    return headline({language: {"model": entry["baseline"]} for language, entry in figures(split, {"baseline": probs}).items()})


def run(name, recipe, seed, tokenizer, taxonomy, data, train, val, test, frame, final, console, cache) -> dict:
    started = time.perf_counter()
    encoder_cfg = replace(recipe.encoder, vocab_size=tokenizer.get_vocab_size())
    state = None
    if recipe.pretrain is not None:
        sequences = encode(tokenizer, frame[frame["split"] != "test"]["body"].tolist(), encoder_cfg.max_len)
        mlm, _ = pretrain(sequences, encoder_cfg, replace(recipe.pretrain, seed=seed), continuation_table(tokenizer))
        state = mlm.state_dict()
    pretrain_s = time.perf_counter() - started
    cfg = replace(recipe.finetune, seed=seed)
    classifier = train_classifier(data["train"], data["val"], encoder_cfg, cfg, len(taxonomy.ids), state, console,
                                  f"{name} seed {seed}", lexicon=lexicon_table(cache, tokenizer, cfg))
    model = ReviewModel(classifier, tokenizer, taxonomy, name,
                        clauses_in_context=reads_clauses_in_context({"finetune": cfg.to_dict()}))
    fit_reader(model, val)
    seconds = time.perf_counter() - started
    row = {"recipe": name, "seed": seed, "seconds": round(seconds, 1), "pretrain_seconds": round(pretrain_s, 1),
           **{f"val_{k}": v for k, v in headline(evaluate(model, val)).items()}}
    if final:
        row.update({f"test_{k}": v for k, v in headline(evaluate(model, test)).items()})
    topics = evaluate_topics(model, frame)
    if topics:
        row["topic_micro_f1"] = topics["model"]["micro_f1"] if "micro_f1" in topics["model"] else None
        row["aspect_acc"] = topics["aspects"]["model"]["accuracy"]
    example = model.score(["The fabric is lovely but it runs small"])[0]
    row["example"] = "; ".join(f"{a.topic}:{a.sentiment}" for a in example.aspects)
    console.print(f"{name} seed {seed}: {row}")
    return row


def print_table(rows: list[dict]) -> None:
    keys = [k for k in ("recipe", "seed", "seconds", "val_zh_acc", "val_en_f1", "val_en_neg_recall", "test_zh_acc", "test_en_f1",
                        "test_en_neg_recall", "topic_micro_f1", "aspect_acc", "example") if any(k in r for r in rows)]
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.3f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys))


if __name__ == "__main__":
    main()
