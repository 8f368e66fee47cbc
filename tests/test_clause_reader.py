"""The clause reader: a linear model over a clause's state in its review and the model's own probabilities for it,
fitted on hand-labelled clauses, decides the sentiment of the clauses of a multi-clause review; a model without one
scores clauses as before, and a checkpoint saved before it existed still loads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from reviewlens.flows.training.base_corpora import BASE_ID_PREFIX
from reviewlens.flows.training.clause_reader_step import MIN_CLAUSES, dev_clause_spans, fit_reader, load_dev_clauses, serves
from reviewlens.models.checkpoint import load_state, load_tensors, save_tensors
from reviewlens.models.classifier import NEG, NEU, POS, SENTIMENTS, ReviewClassifier
from reviewlens.models.clause_reader import (complaint_shift, fit_clause_reader, held_out_readings, lean_negative,
                                              read_clauses)
from reviewlens.models.clauses import split_clauses
from reviewlens.models.inference import ReviewModel
from reviewlens.models.lexicon import entry_ids, lexicon_table
from reviewlens.models.predict import lexicon_scores
from reviewlens.models.tokenizer import encode
from reviewlens.models.verticals import VERTICALS, shipped_taxonomy
from tests.helpers import trained_looking_parts


def clauses_of_three_kinds(n: int = 300, width: int = 8, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Pooled states (n, width) whose first coordinate says the sentiment, uninformative probabilities of the clauses
    and of their reviews (n, 3 each), uninformative lexicon scores (n,), labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    pooled = rng.normal(size=(n, width)).astype(np.float32)
    pooled[:, 0] = (labels - 1) * 4 + rng.normal(scale=0.3, size=n)
    third = np.full((n, 3), 1 / 3, dtype=np.float32)
    return pooled, third, third.copy(), rng.normal(size=n).astype(np.float32), labels


def tensors(*arrays: np.ndarray) -> list[torch.Tensor]:
    return [torch.from_numpy(a) for a in arrays]


def test_the_reader_learns_what_a_clause_state_says_that_the_model_probabilities_do_not():
    pooled, probs, reviews, lexicon, labels = clauses_of_three_kinds()
    reader = fit_clause_reader(pooled, probs, reviews, lexicon, labels)
    assert reader.shape == (3, pooled.shape[1] + 3 + 3 + 1 + 8 + 1)
    read = read_clauses(reader, *tensors(pooled, probs, reviews, lexicon)).numpy()
    assert (read.argmax(1) == labels).mean() > 0.95
    np.testing.assert_allclose(read.sum(1), 1.0, rtol=1e-5)
    held_out = held_out_readings(*clauses_of_three_kinds(seed=1))
    assert (held_out.argmax(1) == clauses_of_three_kinds(seed=1)[-1]).mean() > 0.9


def test_the_reader_learns_how_far_a_clause_follows_its_review():
    pooled, probs, _, lexicon, labels = clauses_of_three_kinds()
    pooled[:, 0] = np.random.default_rng(2).normal(size=len(labels))          # the clause's state says nothing now
    reviews = np.full((len(labels), 3), 0.1, dtype=np.float32)
    reviews[np.arange(len(labels)), labels] = 0.8                             # its review's reading says it all
    reader = fit_clause_reader(pooled, probs, reviews, lexicon, labels)
    assert (read_clauses(reader, *tensors(pooled, probs, reviews, lexicon)).argmax(1).numpy() == labels).mean() > 0.95


def test_the_reader_reads_praise_words_as_praise_where_the_model_of_whole_reviews_says_neutral():
    pooled, _, reviews, _, labels = clauses_of_three_kinds()
    pooled[:, 0] = np.random.default_rng(3).normal(size=len(labels))          # nothing in the state
    neutral = np.tile(np.float32([0.1, 0.8, 0.1]), (len(labels), 1))         # the model reads every clause neutral
    lexicon = ((labels - 1) * 0.7).astype(np.float32)                         # "lovely" +0.7, "broke" -0.7, facts 0
    reader = fit_clause_reader(pooled, neutral, reviews, lexicon, labels)
    assert (read_clauses(reader, *tensors(pooled, neutral, reviews, lexicon)).argmax(1).numpy() == labels).mean() > 0.95


def test_the_reader_leans_toward_complaints_only_as_far_as_held_out_accuracy_cannot_tell():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 3_000)
    held_out = np.full((len(labels), 3), 0.2)
    held_out[np.arange(len(labels)), labels] = 0.6
    half = rng.random(len(labels)) < 0.5
    held_out[(labels == NEG) & half] = [0.42, 0.08, 0.5]      # complaints read as faint praise: a small lean finds them
    held_out[(labels == POS) & half] = [0.3, 0.1, 0.6]        # praise with a doubt: a large lean calls it a complaint
    shift = complaint_shift(held_out, labels)
    assert shift == 0.625                          # the largest shift on the grid before praise turns (log 2 = 0.69)
    assert (lean_negative(held_out, shift).argmax(1) == labels).all()
    assert complaint_shift(held_out, labels, np.array([0.0, 1.5])) == 0.0      # a lean that costs accuracy: none


def test_a_reader_fitted_with_a_negative_shift_differs_only_by_the_negative_bias():
    pooled, probs, reviews, lexicon, labels = clauses_of_three_kinds()
    plain = fit_clause_reader(pooled, probs, reviews, lexicon, labels)
    leaning = fit_clause_reader(pooled, probs, reviews, lexicon, labels, negative_shift=0.5)
    expected = torch.zeros_like(plain)
    expected[NEG, -1] = 0.5
    torch.testing.assert_close(leaning - plain, expected)


def test_an_unfitted_reader_leaves_the_probabilities_as_they_are():
    pooled, _, reviews, lexicon, _ = clauses_of_three_kinds(n=5)
    probs = torch.softmax(torch.randn(5, 3), -1)
    assert read_clauses(torch.zeros(3, 16), torch.from_numpy(pooled), probs, torch.from_numpy(reviews),
                        torch.from_numpy(lexicon)) is probs


def test_the_reader_is_not_fitted_on_clauses_of_fewer_than_three_sentiments():
    pooled, probs, reviews, lexicon, labels = clauses_of_three_kinds()
    with pytest.raises(ValueError, match="all 3 sentiments"):
        fit_clause_reader(pooled, probs, reviews, lexicon, np.where(labels == NEU, POS, labels))


def test_a_checkpoint_saved_before_the_reader_loads_without_one(tmp_path):
    classifier, _, taxonomy = trained_looking_parts()
    state = {k: v for k, v in classifier.state_dict().items() if not k.startswith(("clause_reader", "clause_guard"))}
    save_tensors(state, tmp_path / "model.safetensors")
    old = ReviewClassifier(classifier.encoder.cfg, len(taxonomy.ids), wide_buckets=classifier.wide_buckets)
    load_state(old, load_tensors(tmp_path / "model.safetensors"), tmp_path / "model.safetensors")
    assert not old.reader.any() and not old.clause_guard.item()


@pytest.mark.parametrize("added", ["clause_reader_review", "clause_reader_lexicon", "clause_reader_turn"])
def test_a_reader_saved_before_it_read_more_loads_and_reads_as_it_did(tmp_path, added):
    classifier, _, taxonomy = trained_looking_parts()
    pooled, probs, reviews, lexicon, labels = clauses_of_three_kinds(width=classifier.encoder.cfg.d_model)
    classifier.set_reader(fit_clause_reader(pooled, probs, reviews, lexicon, labels))
    with torch.no_grad():
        getattr(classifier, added).zero_()                       # what an older fit had: no weights there
    state = {k: v for k, v in classifier.state_dict().items() if k != added}
    save_tensors(state, tmp_path / "model.safetensors")
    old = ReviewClassifier(classifier.encoder.cfg, len(taxonomy.ids), wide_buckets=classifier.wide_buckets)
    load_state(old, load_tensors(tmp_path / "model.safetensors"), tmp_path / "model.safetensors")
    x = tensors(pooled, probs, np.roll(reviews, 1, axis=1), lexicon[::-1].copy())
    torch.testing.assert_close(old.read_clauses(*x), classifier.read_clauses(*x))


def test_a_clause_its_writer_concedes_can_turn_away_from_its_review_where_other_clauses_follow_it():
    pooled, probs, _, lexicon, labels = clauses_of_three_kinds()
    pooled[:, 0] = np.random.default_rng(2).normal(size=len(labels))          # the clause's state says nothing
    reviews = np.full((len(labels), 3), 0.1, dtype=np.float32)
    review_label = np.arange(len(labels)) % 3                                 # negative, neutral, positive in turn
    reviews[np.arange(len(labels)), review_label] = 0.8
    conceded = (np.arange(len(labels)) % 4 < 2).astype(np.float32)          # half the clauses conceded
    labels = np.where(conceded > 0, POS + NEG - review_label, review_label)  # a conceded clause turns (neutral stays)
    plain = fit_clause_reader(pooled, probs, reviews, lexicon, labels)
    turned = fit_clause_reader(pooled, probs, reviews, lexicon, labels, conceded=conceded)
    read = lambda reader, flags: read_clauses(reader, *tensors(pooled, probs, reviews, lexicon, flags)).argmax(1).numpy()  # noqa: E731
    assert (read(turned, conceded) == labels).mean() > 0.95
    assert (read(plain, np.zeros_like(conceded)) == labels).mean() < 0.75


@pytest.fixture()
def scoring():
    return ReviewModel(*trained_looking_parts(every_topic=True), "v")


def says_negative(model: ReviewModel) -> None:
    """A reader that calls every clause negative, whatever it reads."""
    with torch.no_grad():
        model.classifier.clause_reader.zero_()[:, -1] = torch.tensor([9.0, -9.0, -9.0])


def test_the_reader_decides_the_clauses_of_a_multi_clause_review_and_nothing_else(scoring):
    texts = ["the fabric is lovely. the colour fades after one wash", "lovely"]
    before = scoring.score(texts)
    says_negative(scoring)
    after = scoring.score(texts)
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a.probs, b.probs)                         # the review's own sentiment stands
    assert after[0].aspects and all(x.sentiment == "negative" for x in after[0].aspects
                                    if abs(x.score) != 1.0)                      # phrases still decide their clause
    assert [(x.topic, x.sentiment) for x in after[1].aspects] == [(x.topic, x.sentiment) for x in before[1].aspects]


def test_clause_readings_are_what_scoring_reads_before_the_reader(scoring):
    text = "the fabric is lovely. the colour fades after one wash"
    probs, pooled, reviews, lexicon = scoring.clause_readings([text], [split_clauses(text)])
    assert lexicon.shape == (2,)
    assert probs.shape == (2, 3) and pooled.shape == (2, scoring.classifier.encoder.cfg.d_model)
    np.testing.assert_allclose(reviews, np.repeat(scoring.score([text], aspects=False)[0].probs[None], 2, 0), rtol=1e-5)
    says_negative(scoring)
    again, *_ = scoring.clause_readings([text], [split_clauses(text)])
    np.testing.assert_array_equal(again, probs)


def test_a_clauses_lexicon_score_is_read_from_its_own_tokens_in_its_review_as_from_the_clause_alone(scoring):
    spell = lambda words: [e.ids for e in scoring.tokenizer.encode_batch(words, add_special_tokens=False)]  # noqa: E731
    scoring.classifier.set_lexicon(*lexicon_table(entry_ids({"lovely": 0.7, "fades": -0.5}, spell), (1, 2)))
    text = "the fabric is not lovely. the colour fades after one wash"
    spans = split_clauses(text)
    alone = lexicon_scores(scoring.classifier, encode(scoring.tokenizer, [text[s:e] for s, e in spans], scoring.max_len))
    assert alone[0] < 0 < -alone[1]                                   # "not lovely" turned, "fades" a complaint
    in_review = scoring.clause_readings([text], [spans])[-1]
    scoring.clauses_in_context = False                                # each clause encoded as a text of its own
    np.testing.assert_allclose(in_review, alone, rtol=1e-5)
    np.testing.assert_allclose(scoring.clause_readings([text], [spans])[-1], alone, rtol=1e-5)


def test_the_development_clauses_are_found_in_their_reviews_by_their_text():
    dev = load_dev_clauses()
    review_id, clauses = next(iter(dev.items()))
    body = "Intro. " + ". ".join(clause for clause, _ in clauses)
    frame = pd.DataFrame({"review_id": [review_id, "not-a-dev-review"], "body": [body, body]})
    texts, spans, labels = dev_clause_spans(frame)
    assert texts == [body]
    assert dev_clause_spans(frame.assign(review_id=BASE_ID_PREFIX + frame["review_id"]))[0] == [body]   # a store's base
    assert sorted(body[s:e] for s, e in spans[0]) == sorted(clause for clause, _ in clauses)
    assert sorted(labels.tolist()) == sorted(SENTIMENTS.index(s) for _, s in clauses)


def test_a_corpus_without_the_development_reviews_gets_no_reader(scoring):
    frame = pd.DataFrame({"review_id": ["x-1"], "body": ["the fabric is lovely. it runs small"]})
    assert fit_reader(scoring, frame) is None and not scoring.classifier.clause_reader.any()
    assert MIN_CLAUSES > 0 and sum(map(len, load_dev_clauses().values())) >= MIN_CLAUSES      # the demo corpora have one


def test_train_fits_the_reader_on_the_development_clauses_its_store_holds(tmp_path, prefect_harness, demo_frame):
    from reviewlens.flows.config import Settings
    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.training.flow import train_flow

    dev = demo_frame[demo_frame["review_id"].isin(load_dev_clauses())]
    rest = demo_frame[~demo_frame["review_id"].isin(dev["review_id"])].sample(800, random_state=0)
    settings = Settings(home=tmp_path)
    pd.concat([dev, rest]).to_parquet(tmp_path / "store.parquet")
    with connect(settings.db_path) as con:
        ingest_file(con, tmp_path / "store.parquet")
    summary = train_flow(settings, "tiny")
    reader = summary.metrics["clause_reader"]
    assert reader["clauses"] >= MIN_CLAUSES and 0.9 * len(dev) <= reader["reviews"] <= len(dev)   # some name no topic
    assert 0 <= reader["accuracy"]["reader"] <= 1 and 0 <= reader["negative_recall"]["model"] <= 1
    assert reader["negative_shift"] >= 0
    assert ReviewModel.load(summary.folder).classifier.clause_reader.any()           # the checkpoint carries it
    from reviewlens.flows.training.evaluation import evaluate_version
    assert evaluate_version(settings, summary.version)["clause_reader"] == reader   # and `eval` reports it


def test_only_a_store_of_the_verticals_its_clauses_come_from_gets_the_full_reader():
    assert [v for v in VERTICALS if serves(shipped_taxonomy(v))] == ["apparel"]


def test_a_portable_reader_reads_the_models_readings_and_the_lexicon_but_no_clause_state(scoring):
    dev = load_dev_clauses()
    frame = pd.DataFrame({"review_id": list(dev), "body": [". ".join(c for c, _ in clauses) for clauses in dev.values()]})
    fitted = fit_reader(scoring, frame, portable=True)
    assert fitted["portable"] and fitted["clauses"] >= MIN_CLAUSES
    state = scoring.classifier.reader[:, :scoring.classifier.encoder.cfg.d_model]          # (3, C)
    rest = scoring.classifier.reader[:, scoring.classifier.encoder.cfg.d_model:]            # (3, 8)
    assert not state.any() and rest.any()
    assert scoring.classifier.clause_guard.item() == 1                  # its turns need the lexicon's agreement
    assert not fit_reader(scoring, frame)["portable"] and scoring.classifier.reader[:, :8].any()   # the full one does
    assert scoring.classifier.clause_guard.item() == 0


def test_a_guarded_reader_turns_a_clause_against_its_review_only_where_the_lexicon_agrees(scoring):
    says_negative(scoring)
    classifier = scoring.classifier
    with torch.no_grad():
        classifier.clause_guard.fill_(1.0)
    praised = torch.tensor([[0.1, 0.1, 0.8]] * 3)                            # three clauses of positive reviews
    read = classifier.read_clauses(torch.zeros(3, classifier.encoder.cfg.d_model), praised.clone(), praised,
                                   torch.tensor([0.6, 0.0, -0.4]))           # praise, no word, a complaint word
    assert read.argmax(1).tolist() == [POS, POS, NEG]
    torch.testing.assert_close(read[:2], praised[:2])                         # kept: the review's own probabilities
