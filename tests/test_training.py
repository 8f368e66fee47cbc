"""The train flow end to end on a small real store, the registry rules, and the inference API."""

from __future__ import annotations

import numpy as np
import pytest

from reviewlens.flows.errors import UserError
from reviewlens.flows.store.registry import activate, activation_decision, active_model, register
from reviewlens.flows.store.connection import connect
from reviewlens.models.inference import ReviewModel
from tests.fixtures import UNSEEN

pytestmark = pytest.mark.slow


def test_train_flow_registers_an_active_model_that_beats_chance_on_sentences_it_never_saw(trained_home):
    settings, summary = trained_home
    assert summary.active
    sentiment = summary.metrics["sentiment"]
    assert "baseline" in sentiment["en"] and "ece_before_calibration" in sentiment["en"]
    con = connect(settings.db_path, read_only=True)
    try:
        assert active_model(con)[0] == summary.version
        bodies = [body for (body,) in con.execute("SELECT body FROM reviews").fetchall()]
    finally:
        con.close()
    for name in ("model.safetensors", "config.json", "tokenizer.json", "taxonomy.toml", "metrics.json", "manifest.json"):
        assert (summary.folder / name).is_file()

    assert not any(sentence in body for sentences in UNSEEN.values() for sentence in sentences for body in bodies)
    model = ReviewModel.load(summary.folder)
    for language in ("en", "zh"):
        texts = [(t, label) for (lang, label), sentences in UNSEEN.items() if lang == language for t in sentences]
        scored = model.score([t for t, _ in texts])
        right = [s.probs[2] > s.probs[0] if label == "positive" else s.probs[0] > s.probs[2] for s, (_, label) in zip(scored, texts)]
        assert sum(right) / len(right) >= 0.75, (language, [t for (t, _), ok in zip(texts, right) if not ok])  # chance: 0.5


def test_the_model_is_also_measured_on_validation_where_activation_is_decided(trained_home):
    from reviewlens.flows.training.pretrain_step import load_corpus

    settings, summary = trained_home
    frame = load_corpus(settings.db_path).frame
    val = frame[(frame["split"] == "val") & (frame["label"].notna() | frame["rating"].notna())]
    for language in ("zh", "en"):
        figures = summary.metrics["validation"][language]
        assert figures["model"]["n"] == figures["baseline"]["n"] == (val["language"] == language).sum()
    assert set(summary.metrics["baseline_calibration"]) == {"temperature", "bias"}


def test_inference_returns_one_result_per_text_with_the_documented_shapes(trained_home):
    _, summary = trained_home
    model = ReviewModel.load(summary.folder)
    texts = ["I love this dress, the fabric is soft", "质量太差，物流太慢", "", "Great fit but the zipper broke"]
    scored = model.score(texts)
    assert len(scored) == 4
    for s in scored:
        assert s.probs.shape == (3,) and abs(s.probs.sum() - 1) < 1e-5
        assert s.sentiment in ("negative", "neutral", "positive")
        assert set(s.topic_scores) == set(model.taxonomy.ids)
        assert s.embedding.shape == (model.classifier.encoder.cfg.d_model,)
    assert {a.clause_no for a in scored[3].aspects} <= {0, 1}
    for a in scored[1].aspects + scored[3].aspects:
        assert a.topic in model.taxonomy.ids and -1 <= a.score <= 1


def test_scores_do_not_depend_on_batch_order_or_batch_size(trained_home):
    _, summary = trained_home
    model = ReviewModel.load(summary.folder)
    texts = [f"Runs small #{i}" if i % 3 else "质量很好，物流很快，非常满意，下次还会再来" * (i % 4 + 1) for i in range(30)]
    forward = model.score(texts, max_tokens=4_096)
    backward = model.score(texts[::-1], max_tokens=256)[::-1]
    for a, b in zip(forward, backward):
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-5)
        np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-5)


def test_activation_rules():
    assert activation_decision(0.70, None, force=False)[0]
    assert activation_decision(0.70, ("old", 0.70), force=False)[0]
    worse = activation_decision(0.69, ("old", 0.70), force=False)
    assert not worse[0] and "not activated" in worse[1]
    assert activation_decision(0.50, ("old", 0.70), force=True)[0]
    unloadable = activation_decision(0.50, ("old", None), force=False)
    assert unloadable[0] and "can no longer be loaded" in unloadable[1]


def test_a_finished_training_run_is_registered_even_when_the_active_checkpoint_is_gone(trained_home, tmp_path):
    from reviewlens.flows.config import Settings
    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.scoring.options import ScoringProfile
    from reviewlens.flows.training.pretrain_step import load_corpus
    from reviewlens.flows.training.flow import register_model
    from reviewlens.models.presets import PRESETS
    from tests.fixtures import write_fixture

    _, trained = trained_home
    settings = Settings(home=tmp_path)
    con = connect(settings.db_path)
    for path in write_fixture(tmp_path / "input"):
        ingest_file(con, path)
    register(con, "stale", "tiny", {}, "f", {}, tmp_path / "deleted-checkpoint", activate=True)
    con.close()
    summary = register_model.fn(settings, ReviewModel.load(trained.folder), trained.metrics,
                                load_corpus(settings.db_path), PRESETS["tiny"], False, ScoringProfile.from_settings(settings))
    assert summary.active and "stale can no longer be loaded" in summary.reason
    con = connect(settings.db_path, read_only=True)
    assert active_model(con)[0] == summary.version
    con.close()


def test_only_one_model_is_active_and_unknown_versions_are_refused(con, tmp_path):
    register(con, "a", "tiny", {}, "f", {}, tmp_path, activate=True)
    register(con, "b", "tiny", {}, "f", {}, tmp_path, activate=True)
    register(con, "c", "tiny", {}, "f", {}, tmp_path, activate=False)
    assert con.execute("SELECT list(model_version) FROM model_registry WHERE active").fetchone()[0] == ["b"]
    activate(con, "a")
    assert active_model(con)[0] == "a"
    with pytest.raises(UserError, match="no model 'zzz'"):
        activate(con, "zzz")
