"""The language of a review that names none (issue 22): Han is zh, another non-Latin script other, and Latin letters
English unless a real detector (py3langid, run batched) gives another language a clear lead, so short, misspelled
and run-together English reviews stay English."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reviewlens.flows.ingest.files import ingest_file
from reviewlens.flows.ingest.language import LATIN_LANGUAGES, _model, english_or_other

ENGLISH = ["Excellent product.Relable.Maximum speed.Fast downloading", "Exelent tablet for kids", "gud product, wrks fine",
           "Echo dot works gr8", "Great!", "Love it", "Good", "Nice", "Recomended", "Kindle fire hd 8 32gb", "Alexa rocks",
           "5 stars", "A+++", "Its ok", "Fits perfect!", "EXCELLENT PRODUCT, WORKS GREAT", "Highly recomend",
           "Great product.Fast shipping", "Kids love it. Durable case. Parental controls awesome",
           "Bought this for my daughter, she loves it", "Nice café-style speaker for the kitchen"]
CHINESE = ["质量很好，物流太慢", "屏幕清晰，电池耐用，推荐购买", "Kindle 很好用，推荐"]
OTHER = ["Das Produkt ist sehr gut, die Lieferung war schnell und ich bin zufrieden",
         "Très bon produit, livraison rapide, je le recommande à tous mes amis",
         "Muy buen producto, llegó rápido y funciona perfectamente", "Sehr gut", "Très joli",
         "とても良い商品です", "배송이 빠르고 좋아요", "Отличный планшет, рекомендую", "👍👍👍", "10/10"]


def ingest_bodies(con, path: Path, bodies: list[str]) -> dict[str, str]:
    pd.DataFrame({"review_id": [f"r{i}" for i in range(len(bodies))], "product_id": "p", "body": bodies,
                  "created_at": "2026-10-01"}).to_csv(path, index=False)
    ingest_file(con, path)
    languages = dict(con.execute("SELECT review_id, language FROM reviews").fetchall())
    return {body: languages[f"r{i}"] for i, body in enumerate(bodies)}


def test_short_and_misspelled_english_reviews_are_english(con, tmp_path):
    assert ingest_bodies(con, tmp_path / "en.csv", ENGLISH) == dict.fromkeys(ENGLISH, "en")


def test_han_script_is_chinese(con, tmp_path):
    assert ingest_bodies(con, tmp_path / "zh.csv", CHINESE) == dict.fromkeys(CHINESE, "zh")


def test_other_languages_and_scripts_are_other(con, tmp_path):
    assert ingest_bodies(con, tmp_path / "other.csv", OTHER) == dict.fromkeys(OTHER, "other")


def test_the_batched_detector_gives_py3langids_own_probabilities():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LATIN_LANGUAGES)
    texts = [*ENGLISH, *OTHER[:5], "", "Gut"]
    batched = _model().probabilities(texts)
    for text, row in zip(texts, batched):
        assert dict(zip(_model().languages, row.tolist())) == pytest.approx(dict(identifier.rank(text)), abs=1e-4), text


def test_only_the_head_of_a_long_body_is_read():
    assert english_or_other(["Works great with my phone and the battery lasts. " + "Sehr gut! " * 50_000]) == ["en"]
