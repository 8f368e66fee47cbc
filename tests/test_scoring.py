"""Incremental scoring: what the next run scores, on a small real store (a stand-in model, no training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.models.inference import Aspect, Scored
from tests.helpers import count_unscored, score_unscored

HEADER = "review_id,product_id,body,created_at\n"


class WordModel:
    """Scores like a model would, from the words alone: 'terrible' is negative, anything else positive;
    one aspect spanning the whole text, so stale offsets are visible."""

    version = "stand-in"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def score(self, texts: list[str], max_tokens: int = 16_384, embeddings: bool = True) -> list[Scored]:
        self.seen += texts
        out = []
        for text in texts:
            negative = "terrible" in text.lower()
            probs = np.array([0.9, 0.05, 0.05] if negative else [0.05, 0.05, 0.9], dtype=np.float32)
            sentiment = "negative" if negative else "positive"
            out.append(Scored(sentiment, probs, {"quality": 0.9}, ["quality"],
                              [Aspect(0, 0, len(text), "quality", sentiment, float(probs[2] - probs[0]))]))
        return out


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def score_all(con, model: WordModel) -> int:
    return score_unscored(con, model, "run", shard_reviews=10)


def test_an_edited_review_is_rescored_and_its_old_score_and_aspects_replaced(con, tmp_path):
    model = WordModel()
    ingest_file(con, write_csv(tmp_path / "a.csv", ["r1,p,Lovely and well made,2026-10-01", "r2,p,Fine dress,2026-10-01"]))
    assert score_all(con, model) == 2
    ingest_file(con, write_csv(tmp_path / "b.csv", ["r1,p,Terrible: it fell apart,2026-10-05"]))
    assert count_unscored(con, model.version) == 1
    model.seen.clear()
    assert score_all(con, model) == 1
    assert model.seen == ["Terrible: it fell apart"]
    assert con.execute("SELECT sentiment FROM review_scores WHERE review_id = 'r1'").fetchall() == [("negative",)]
    assert con.execute("SELECT char_end FROM review_aspects WHERE review_id = 'r1'").fetchall() == [(len("Terrible: it fell apart"),)]
    assert con.execute("SELECT count(*) FROM review_scores").fetchone()[0] == 2


def test_an_unchanged_reingest_rescores_nothing(con, tmp_path):
    model = WordModel()
    path = write_csv(tmp_path / "a.csv", ["r1,p,Lovely and well made,2026-10-01", "r2,p,Terrible fit,2026-10-01"])
    ingest_file(con, path)
    assert score_all(con, model) == 2
    ingest_file(con, path)
    assert count_unscored(con, model.version) == 0
    assert score_all(con, model) == 0


def test_each_score_stores_the_hash_of_the_text_it_scored(con, tmp_path):
    ingest_file(con, write_csv(tmp_path / "a.csv", ["r1,p,Lovely and well made,2026-10-01"]))
    score_all(con, WordModel())
    assert con.execute("SELECT s.text_hash = md5(r.body) FROM review_scores s JOIN reviews r USING (review_id)").fetchall() == [(True,)]


def test_rescoring_an_edited_review_leaves_other_models_scores_alone(con, tmp_path):
    old, new = WordModel(), WordModel()
    old.version, new.version = "old-model", "new-model"
    ingest_file(con, write_csv(tmp_path / "a.csv", ["r1,p,Lovely and well made,2026-10-01"]))
    score_all(con, old)
    score_all(con, new)
    ingest_file(con, write_csv(tmp_path / "b.csv", ["r1,p,Terrible: it fell apart,2026-10-05"]))
    assert score_all(con, new) == 1
    assert dict(con.execute("SELECT model_version, sentiment FROM review_scores").fetchall()) == {
        "old-model": "positive", "new-model": "negative"}
    assert count_unscored(con, "old-model") == 1          # reactivating the old model rescores it too


@pytest.mark.parametrize("scored_before", ["none", "another model's", "some of this model's"])
def test_scoring_commits_pages_of_the_batch_size_even_on_a_models_first_run(con, tmp_path, scored_before):
    """A killed run keeps its committed pages only if pages are pages: DuckDB 2.0.1 dropped the LIMIT of the
    LEFT JOIN ... IS DISTINCT FROM page query while the model had no scores, scoring everything in one transaction."""
    ingest_file(con, write_csv(tmp_path / "a.csv", [f"r{i:03d},p,Review number {i},2026-10-01" for i in range(95)]))
    if scored_before != "none":
        other = WordModel()
        other.version = "stand-in" if scored_before.startswith("some") else "other"
        score_unscored(con, other, "earlier", shard_reviews=10, stop_after_shards=1)
    pages: list[int] = []
    done = score_unscored(con, WordModel(), "run", shard_reviews=10, on_shard=pages.append)
    assert done == (85 if scored_before.startswith("some") else 95)
    assert max(pages) == 10 and len(pages) == -(-done // 10)
