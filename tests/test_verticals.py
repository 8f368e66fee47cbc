"""A topic set per kind of store, and `train` choosing the one whose seed words cover the store's reviews best."""

from __future__ import annotations

import pytest

from reviewlens.models.taxonomy import PolarityPhrases
from reviewlens.models.verticals import VERTICALS, pick_taxonomy, seed_fit, shipped_taxonomy

ELECTRONICS = ["The battery dies in two hours", "Bluetooth keeps disconnecting from my phone", "Screen is bright and sharp",
               "Setup was easy and the sound is great", "续航太差了，充电很慢", "蓝牙经常断连", "Love it, works"]
HOTELS = ["The room was spotless and the staff friendly", "Check-in took an hour", "Dirty carpet and a musty smell",
          "Friendly receptionist, quiet street", "卫生很差", "房间很干净，前台服务热情", "Nice stay"]
APPAREL = ["Runs small, size up", "The fabric is soft and the colour is gorgeous", "尺码偏小，面料不错", "Cute dress"]
PHARMACY = ["Worked wonders for my migraines, no side effects", "The 20mg dose made me dizzy", "Broke me out, more acne",
            "效果很好，没有副作用", "Insurance wouldn't cover it", "Great"]           # drug and skin-care reviews
LENDER = ["Our loan officer was professional and kept us informed", "Hidden fees at closing", "They never called back",
          "The process took months", "利率低，办理很顺利", "Thanks!"]                       # a mortgage lender's reviews


@pytest.mark.parametrize("vertical", VERTICALS)
def test_every_shipped_topic_set_has_english_and_chinese_seed_words_and_polarity_phrases(vertical):
    taxonomy = shipped_taxonomy(vertical)
    assert len(taxonomy.ids) >= 8
    assert all(topic.en and topic.zh for topic in taxonomy.topics)
    assert all(topic.negative for topic in taxonomy.topics)
    assert PolarityPhrases(taxonomy)


def test_coverage_is_the_share_of_reviews_with_at_least_one_seed_word():
    assert seed_fit(shipped_taxonomy("hotels"), ["The room was clean", "Nice", "位置很好", "ok"])[0] == 0.5
    assert seed_fit(shipped_taxonomy("hotels"), []) == (0.0, 0.0)


@pytest.mark.parametrize("texts, expected", [(ELECTRONICS, "electronics"), (HOTELS, "hotels"), (APPAREL, "apparel"),
                                             (PHARMACY, "health"), (LENDER, "services")])
def test_the_topic_set_that_covers_the_store_best_is_picked(texts, expected):
    choice = pick_taxonomy(texts)
    assert choice.vertical == expected
    assert choice.coverage[expected] == max(choice.coverage.values())
    assert choice.taxonomy.ids == shipped_taxonomy(expected).ids


def test_a_vertical_set_that_covers_a_store_as_well_as_the_apparel_set_is_picked_over_it():
    hotel = ["房间很干净", "早餐不错", "前台服务热情"]          # words the apparel set carries for the demo's hotels too
    choice = pick_taxonomy(hotel)
    assert choice.coverage["apparel"] == choice.coverage["hotels"] == 1.0
    assert choice.vertical == "hotels"


def test_a_store_no_set_covers_gets_the_apparel_set():
    assert pick_taxonomy(["ok", "fine"]).vertical == "apparel"
    assert pick_taxonomy([]).vertical == "apparel"


def test_the_choice_is_said_in_one_line_with_every_set_coverage():
    line = pick_taxonomy(HOTELS).describe()
    assert "\n" not in line
    assert line.startswith("topics: hotels, its seed words in 86% of the store's reviews (apparel ")
    for vertical in VERTICALS:
        assert vertical in line
    assert "--topics FILE" in line


def test_train_judges_the_fit_on_the_store_own_reviews_not_the_base_corpora():
    import pandas as pd

    from reviewlens.flows.training.base_corpora import BASE_PREFIX
    from reviewlens.flows.training.flow import fitting_taxonomy
    from reviewlens.flows.training.pretrain_step import Corpus

    frame = pd.DataFrame({"body": HOTELS + APPAREL * 5,
                          "source": ["hotel.csv"] * len(HOTELS) + [BASE_PREFIX + "clothing"] * len(APPAREL) * 5})
    assert fitting_taxonomy(Corpus(frame, "fingerprint")).ids == shipped_taxonomy("hotels").ids
