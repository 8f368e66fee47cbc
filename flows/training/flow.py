"""The `train` flow: corpus → tokenizer + MLM pretraining → fine-tuning → evaluation vs baseline → registry."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import torch
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from rich.console import Console

from reviewlens.flows.clock import utc_now
from reviewlens.flows.config import Settings
from reviewlens.flows.ingest.demo_data import DemoDataError
from reviewlens.flows.training.base_corpora import is_base
from reviewlens.flows.training.clause_reader_step import fit_reader, serves
from reviewlens.flows.ingest.lexicons import fetch_lexicon
from reviewlens.flows.training.extra_text import read_extra_texts
from reviewlens.flows.scoring.options import ScoringProfile
from reviewlens.flows.training.pretrain_step import Corpus, preset_named, run_pretraining, training_corpus
from reviewlens.flows.store.registry import activation_decision, active_model, checkpoint_folder, register
from reviewlens.flows.store.connection import connect
from reviewlens.flows.training.topic_gold import evaluate_topics
from reviewlens.flows.training.finetune_step import evaluate, held_out_figures, labelled, split_baseline, train_classifier
from reviewlens.models.checkpoint import load_checkpoint
from reviewlens.models.checkpoint_error import CheckpointError
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.calibration import MIN_CLASS_SHARE, MIN_OWN_CLASS, MIN_OWN_ROWS, base_decides, decision_rows
from reviewlens.models.finetune import FinetuneConfig, Labelled
from reviewlens.models.lexicon import entry_ids, lexicon_table as table_of
from reviewlens.models.inference import ReviewModel, reads_clauses_in_context
from reviewlens.models.presets import Preset
from reviewlens.models.sentiment_report import concerns, headline
from reviewlens.models.taxonomy import SeedLabeller, Taxonomy, load_taxonomy
from reviewlens.models.verticals import pick_taxonomy

console = Console(stderr=True)


@dataclass
class TrainSummary:
    version: str
    folder: Path
    metrics: dict
    active: bool
    reason: str


@task(cache_policy=NO_CACHE)
def read_corpus(db_path: Path, cache_dir: Path | None = None) -> Corpus:
    """Every stored review and, given a cache folder, the base corpora's rows, deduplicated, with fixed splits."""
    return training_corpus(db_path, cache_dir)


def fitting_taxonomy(corpus: Corpus) -> Taxonomy:
    """The shipped topic set whose seed words occur in most of the store's own reviews (the base corpora left out),
    said in one line with every set's coverage."""
    own = corpus.frame[~is_base(corpus.frame["source"])]
    choice = pick_taxonomy(own["body"].tolist())
    console.print(choice.describe(), markup=False, highlight=False, soft_wrap=True)
    return choice.taxonomy


@task(cache_policy=NO_CACHE)
def pretrain_encoder(settings: Settings, corpus: Corpus, preset: Preset, extra_text: list[Path], device: str) -> Path:
    """Tokenizer and MLM pretraining on the reviews (plus any extra unlabelled text); resumes an interrupted run."""
    return run_pretraining(settings.models_dir, corpus, preset, console, read_extra_texts(extra_text), device)


@task(cache_policy=NO_CACHE)
def fine_tune(pretrained: Path, corpus: Corpus, preset: Preset, taxonomy: Taxonomy, ablation: bool,
              profile: ScoringProfile, cache_dir: Path | None = None) -> tuple[ReviewModel, dict]:
    """Sentiment and topic heads on the (pretrained) encoder, calibrated on validation; with ablation, the same
    recipe from a random init (when there was pretraining) and the wide n-gram path alone, to show what each part buys.
    Trained on the profile's device, and returned scoring as the profile says: what is measured is what will run."""
    device = profile.device
    ckpt = load_checkpoint(pretrained)
    cfg = EncoderConfig(**ckpt.config["encoder"])
    pretrained_state = ckpt.tensors if preset.pretrain.steps > 0 else None
    labeller = SeedLabeller(taxonomy)
    frame = corpus.frame
    train, val = (labelled(frame[frame["split"] == s], ckpt.tokenizer, labeller, cfg.max_len) for s in ("train", "val"))
    started = time.perf_counter()
    label = "pretrained" if pretrained_state is not None else "random init"
    lexicon = lexicon_table(cache_dir, ckpt.tokenizer, preset.finetune)
    model = train_classifier(train, val, cfg, preset.finetune, len(taxonomy.ids), pretrained_state, console, label, device,
                             lexicon)
    console.print(sentiment_decided_on(val, float(model.mix[0])), markup=False, highlight=False, soft_wrap=True)
    extra = {"finetune_seconds": round(time.perf_counter() - started, 1), "pretrain": ckpt.metrics.get("pretrain", {})}
    ablations = {}
    in_context = reads_clauses_in_context({"finetune": preset.finetune.to_dict()})    # as its checkpoint will say
    if ablation and pretrained_state is not None:
        ablations["random_init"] = train_classifier(train, val, cfg, preset.finetune, len(taxonomy.ids), None, console,
                                                    "random init", device, lexicon)
    if ablation and preset.finetune.wide_buckets:
        ablations["wide_only"] = train_classifier(train, val, cfg, replace(preset.finetune, wide_only=True),
                                                  len(taxonomy.ids), None, console, "wide n-gram path alone", device)
    for name, classifier in ablations.items():          # readied after all training: scoring threads are process-wide
        extra[name] = profile.ready(classifier, ckpt.tokenizer, taxonomy, name.replace("_", "-"), in_context)
    ready = profile.ready(model, ckpt.tokenizer, taxonomy, clauses_in_context=in_context)
    extra["clause_reader"] = clause_reader(ready, frame[frame["split"] == "val"], taxonomy)
    return ready, extra


def sentiment_decided_on(val: Labelled, deep_vote: float) -> str:
    """Which validation rows set review sentiment's mix, bias and temperature (calibration.decision_rows), in words."""
    rows = decision_rows(val.sentiment, val.base)
    if not base_decides(rows, val.base):
        return (f"review sentiment: mix, bias and temperature fitted on the store's own {int(rows.sum()):,} labelled "
                f"validation reviews (the encoder's vote {deep_vote:.2f})")
    own = int(((val.sentiment >= 0) & ~val.base).sum())
    return (f"review sentiment: the store has {own:,} labelled validation reviews of its own, too few to fit its "
            f"decisions on (it takes {MIN_OWN_ROWS}, with {MIN_OWN_CLASS} and {MIN_CLASS_SHARE:.0%} of each class), so "
            "they are fitted on the base corpora's, and the n-gram path and the lexicon read it: the encoder's vote, "
            "fitted there, did not carry to stores of other verticals; it still reads topics and clauses")


def clause_reader(model: ReviewModel, val: pd.DataFrame, taxonomy: Taxonomy) -> dict | None:
    """Fit the model's clause reader on the hand-labelled validation clauses, and say in one line what it is worth
    on clauses it did not see, or why there is none. A store of the verticals those clauses come from, as the topic
    set it was given says (clause_reader_step.serves), gets the full reader; any other the portable one."""
    portable = not serves(taxonomy)
    fitted = fit_reader(model, val, portable)
    if fitted is None:
        console.print("no clause reader: the corpus lacks the hand-labelled demo clauses (trained without the base "
                      "corpora?); clauses keep the review-level model's sentiment", style="yellow", markup=False,
                      highlight=False)
        return None
    accuracy, recall = fitted["accuracy"], fitted["negative_recall"]
    kind = "portable clause reader (no clause state: its clauses are of the demo's verticals)" if portable else \
        "clause reader"
    console.print(f"{kind}: fitted on {fitted['clauses']:,} hand-labelled clauses; on those it did not see "
                  f"(5-fold), clause accuracy {accuracy['model']:.3f} -> {accuracy['reader']:.3f}, negative recall "
                  f"{recall['model']:.3f} -> {recall['reader']:.3f}", markup=False, highlight=False)
    return fitted


def lexicon_table(cache_dir: Path | None, tokenizer, cfg: FinetuneConfig) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The sentiment lexicons (flows/ingest/lexicons.py) as the hashed n-gram table the model carries; None
    (after one yellow line) when the model has no wide path or the lexicons cannot be fetched (offline, no cache)."""
    if cache_dir is None or not cfg.wide_buckets or cfg.wide_only:
        return None
    try:
        entries = fetch_lexicon(cache_dir)
    except DemoDataError as error:
        console.print(f"training without a sentiment lexicon: {error}", style="yellow", markup=False, highlight=False)
        return None
    spell = lambda words: [e.ids for e in tokenizer.encode_batch(words, add_special_tokens=False)]
    return table_of(entry_ids(entries, spell), cfg.wide_orders)


@task(cache_policy=NO_CACHE)
def evaluate_models(model: ReviewModel, corpus: Corpus, extra: dict, cache_dir: Path) -> dict:
    """Test-split figures per language with the calibrated TF-IDF baseline beside them (what is reported), the same on
    validation (what activation is decided on), the ablations if trained, English accuracy on film-review snippets
    never trained on (skipped with a yellow line when they cannot be fetched), and the behavioural suite's pass rates
    (reported, and warned about below the floor, but never a reason to refuse activation)."""
    from reviewlens.flows.training.behaviour import generate_cases
    from reviewlens.flows.training.behaviour_report import behaviour_report
    from reviewlens.flows.training.evaluation import cross_domain_check

    frame = corpus.frame
    val, test = frame[frame["split"] == "val"], frame[frame["split"] == "test"]
    baseline = split_baseline(frame)
    metrics = {**held_out_figures(model, test, baseline), "validation": evaluate(model, val, baseline),
               "calibration": {"temperature": float(model.classifier.temperature),
                               "bias": model.classifier.sentiment_bias.tolist()},
               "baseline_calibration": {"temperature": baseline.temperature, "bias": baseline.bias.tolist()},
               "pretrain": extra.get("pretrain", {}), "finetune_seconds": extra.get("finetune_seconds")}
    if extra.get("clause_reader"):
        metrics["clause_reader"] = extra["clause_reader"]
    for ablation in ("random_init", "wide_only"):
        if ablation in extra:
            metrics[ablation] = evaluate(extra[ablation], test)
    topics = evaluate_topics(model, frame)
    if topics is not None:
        metrics["topics"] = topics
    cross = cross_domain_check(cache_dir, model, frame[frame["split"] == "train"])
    if cross is not None:
        metrics["cross_domain"] = cross
    metrics["behaviour"] = behaviour_report(model, generate_cases())
    return metrics


def active_score(folder: Path, corpus: Corpus, profile: ScoringProfile) -> float | None:
    """The active model's score on this corpus's validation split, scoring as the new model was measured (and as
    the nightly run scores); None when its checkpoint is gone or damaged, so a finished training run is never lost
    to a stale registry entry."""
    try:
        model = profile.load(folder)
    except CheckpointError as error:
        console.print(f"[yellow]the active model cannot be loaded: {error}[/]")
        return None
    frame = corpus.frame
    return headline(evaluate(model, frame[frame["split"] == "val"]))


def new_version(models_dir: Path, preset: str) -> str:
    """A version no other run has: the time to the second plus a random suffix, its folder claimed atomically
    (mkdir fails if another run took it).  new_version(Path('var/models'), 'demo') -> 'demo-20261128-021500-3fa9c1'"""
    models_dir.mkdir(parents=True, exist_ok=True)
    while True:
        version = f"{preset}-{utc_now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        try:
            (models_dir / version).mkdir()
            return version
        except FileExistsError:
            continue


def active_changed_since(con, compared_with: str | None, version: str) -> str | None:
    """None if the active model is still the one the new model was compared with; else why not to activate."""
    now = active_model(con)
    if (now and now[0]) == compared_with:
        return None
    return (f"not activated: the active model changed from {compared_with or 'none'!r} to {now[0] if now else 'none'!r} "
            f"while this one was evaluated; compare them with `reviewlens eval --model VERSION` and activate with "
            f"`reviewlens models --activate {version}`")


@task(cache_policy=NO_CACHE)
def register_model(settings: Settings, model: ReviewModel, metrics: dict, corpus: Corpus, preset: Preset,
                   force_activate: bool, profile: ScoringProfile) -> TrainSummary:
    """Save the checkpoint; activate it unless its validation figures raise concerns or it is worse than the active
    model on the same validation split."""
    version = new_version(settings.models_dir, preset.name)
    config = {"preset": preset.name, "finetune": preset.finetune.to_dict(), "pretrain": preset.pretrain.to_dict(),
              "data_fingerprint": corpus.fingerprint, "base_corpora": bool(is_base(corpus.frame["source"]).any())}
    model.save(settings.models_dir / version, config, metrics)
    with connect(settings.db_path, read_only=True, settings=settings) as con:
        current = active_model(con, settings.models_dir)
    # the comparison takes about a minute: evaluate outside the write lock so a nightly run is not refused
    scored = None if current is None else (current[0], active_score(current[1], corpus, profile))
    validation = metrics["validation"]
    activate, reason = activation_decision(headline(validation), scored, force_activate, concerns(validation))
    if not activate:
        reason += f"; to use it anyway: `reviewlens models --activate {version}`"
    with connect(settings.db_path, settings=settings) as con:                # the write lock: nobody changes the registry meanwhile
        changed = active_changed_since(con, current and current[0], version) if activate and not force_activate else None
        if changed:
            activate, reason = False, changed
        # stored relative to the models folder: a copied or moved workspace loads its own checkpoint
        register(con, version, preset.name, config, corpus.fingerprint, metrics, Path(version), activate)
    return TrainSummary(version, checkpoint_folder(settings.models_dir, version), metrics, activate, reason)


@flow(name="train", log_prints=True)
def train_flow(settings: Settings, preset_name: str = "demo", activate: bool = False, ablation: bool | None = None,
               taxonomy_path: Path | None = None, extra_text: list[Path] | None = None, seed: int = 0,
               base_corpora: bool | None = None) -> TrainSummary:
    preset = preset_named(preset_name).seeded(seed)
    with_base = preset.base_corpora if base_corpora is None else base_corpora
    corpus = read_corpus(settings.db_path, settings.cache_dir if with_base else None)
    taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else fitting_taxonomy(corpus)
    profile = ScoringProfile.from_settings(settings)
    pretrained = pretrain_encoder(settings, corpus, preset, extra_text or [], profile.device)
    model, extra = fine_tune(pretrained, corpus, preset, taxonomy, preset.ablation if ablation is None else ablation,
                             profile, settings.cache_dir)
    metrics = evaluate_models(model, corpus, extra, settings.cache_dir)
    return register_model(settings, model, metrics, corpus, preset, activate, profile)
