"""One scoring profile per command: built from the settings in one place, and every model of every path (the nightly
run, `classify`, `eval`, training's measurement and its activation check) scores through it, so the figure that
activates a model is the figure it runs at."""

from __future__ import annotations

import ast
import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from reviewlens.flows.config import Settings
from reviewlens.flows.scoring.options import ScoringProfile
from tests.fixtures import UNSEEN

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "flows" / "scoring" / "options.py"
SCORING_SETTINGS = {"score_batch_tokens", "score_precision", "score_threads", "score_prefetch_texts", "device",
                    "allocator", "worker_threads"}
ONLY_SETTINGS = {name for name in SCORING_SETTINGS if name.startswith("score_")}   # no other object has these


def settings_reads(path: Path) -> list[tuple[str, int]]:
    """The scoring settings a file reads: any `.score_*`, and `.device`, `.allocator`, `.worker_threads` of something
    named settings (a profile's own fields of those names are not settings)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in SCORING_SETTINGS:
            if node.attr in ONLY_SETTINGS or "settings" in ast.unparse(node.value).lower():
                found.append((node.attr, node.lineno))
    return found


def test_the_profile_is_the_only_place_that_reads_the_scoring_settings():
    assert SCORING_SETTINGS <= {f.name for f in fields(Settings)}              # renamed in Settings: rename here too
    assert {name for name, _ in settings_reads(PROFILE)} == SCORING_SETTINGS      # the reader sees every one of them
    sources = [path for folder in ("flows", "models", "reports", "tests/benchmarks") for path in (ROOT / folder).rglob("*.py")]
    elsewhere = {str(path.relative_to(ROOT)): reads for path in sources if path != PROFILE if (reads := settings_reads(path))}
    assert elsewhere == {}


def test_a_profile_is_built_from_the_settings_and_cannot_change():
    profile = ScoringProfile.from_settings(Settings(score_precision="int8", score_threads=3, score_prefetch_texts=64,
                                                    score_batch_tokens=2_048, device="cpu", allocator="lean",
                                                    worker_threads=2))
    assert (profile.options.precision, profile.options.threads, profile.options.prefetch_texts,
            profile.options.batch_tokens) == ("int8", 3, 64, 2_048)
    assert (profile.device, profile.allocator, profile.worker_threads) == ("cpu", "lean", 2)
    with pytest.raises(AttributeError):
        profile.device = "cuda"                                                   # frozen: one profile per command
    assert profile.with_threads(1).options == replace(profile.options, threads=1)


def probabilities(model, texts: list[str], aspects: bool = False) -> np.ndarray:
    """Sentiment probabilities (N, 3); with aspects the clauses are scored in the same batches (bf16 rounds a text
    alike only in the same batch), as the nightly run and `classify` score."""
    return np.stack([s.probs for s in model.score(texts, aspects=aspects, embeddings=False)])


@pytest.fixture
def models_used(monkeypatch) -> list:
    """Every model that computes anything from here on, in order of first use (the real predict, watched)."""
    from reviewlens.models.inference import ReviewModel

    used, predict = [], ReviewModel.predict

    def watched(self, *args, **kwargs):
        if not any(self is model for model in used):
            used.append(self)
        return predict(self, *args, **kwargs)

    monkeypatch.setattr(ReviewModel, "predict", watched)
    return used


@pytest.mark.slow
def test_eval_the_activation_check_and_the_nightly_run_score_the_same_texts_identically(trained_home, tmp_path,
                                                                                         models_used):
    from reviewlens.flows.nightly.flow import load_scoring_model
    from reviewlens.flows.scoring.adhoc import classify_texts
    from reviewlens.flows.training.evaluation import evaluate_version
    from reviewlens.flows.training.flow import active_score
    from reviewlens.flows.training.pretrain_step import load_corpus
    from reviewlens.models.inference import ReviewModel

    trained, summary = trained_home
    settings = replace(trained, score_precision="bf16", score_batch_tokens=1_024, device="cpu")  # not a bare load's fp32
    profile = ScoringProfile.from_settings(settings)                 # as each command builds it from its settings
    corpus = load_corpus(settings.db_path)
    texts = [text for sentences in UNSEEN.values() for text in sentences] + \
        corpus.frame.loc[corpus.frame["split"] == "val", "body"].tolist()
    nightly_model, _ = load_scoring_model(profile, summary.folder, summary.version, str(tmp_path / "shards"))
    nightly = probabilities(nightly_model, texts)
    bare = ReviewModel.load(summary.folder, "cpu")                   # fp32: these texts score otherwise, so the
    assert not np.array_equal(probabilities(bare, texts), nightly)   # comparisons below can fail

    def path_models(run) -> list:
        models_used.clear()
        run()
        assert models_used, "the path scored nothing"
        return list(models_used)

    # `reviewlens eval` (sentiment, topics, behaviour suite) and the activation check's active model
    for model in path_models(lambda: evaluate_version(settings, summary.version)) + \
            path_models(lambda: active_score(summary.folder, corpus, profile)):
        assert np.array_equal(probabilities(model, texts), nightly)
    # a newly trained model, as training readies it to be measured for activation
    assert np.array_equal(probabilities(profile.ready(bare.classifier, bare.tokenizer, bare.taxonomy), texts), nightly)
    # `reviewlens classify`, which scores clauses with the texts as the nightly run does
    lines = [json.loads(line) for line in classify_texts(settings, texts, summary.version)]
    assert [[line["p_negative"], line["p_neutral"], line["p_positive"]] for line in lines] == \
        [[round(float(p), 4) for p in row] for row in probabilities(nightly_model, texts, aspects=True)]
