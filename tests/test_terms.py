"""What counts as a term: Chinese words from jieba segmentation (not character pairs), English words singular
and without stop words, one stop-word list for every place that counts words."""

from __future__ import annotations

import pytest

from reviewlens.models.terms import STOP_WORDS, chinese_terms, english_terms, fold_plural, segment, terms_of


def test_a_fixed_chinese_sentence_segments_into_its_words():
    assert segment("我来到北京清华大学") == ["我", "来到", "北京", "清华大学"]
    assert segment("物流很快，质量很好，尺码偏小，穿着不舒服") == [
        "物流", "很快", "，", "质量", "很", "好", "，", "尺码", "偏小", "，", "穿着", "不", "舒服"]


def test_chinese_terms_are_words_never_pairs_across_word_boundaries():
    text = "这件衣服的时候尺码偏小，但是面料很好"
    assert chinese_terms(text) == ["衣服", "尺码", "偏小", "面料"]
    pairs = {text[i:i + 2] for i in range(len(text) - 1)}
    assert not {"的时", "码偏", "但是", "时候"} & set(chinese_terms(text))      # the old bigram terms
    assert {"的时", "码偏"} <= pairs


@pytest.mark.parametrize("word, singular", [("dresses", "dress"), ("sleeves", "sleeve"), ("berries", "berry"),
                                            ("boxes", "box"), ("dress", "dress"), ("this", "this"), ("fit", "fit")])
def test_english_plurals_fold_to_the_singular(word, singular):
    assert fold_plural(word) == singular


def test_english_terms_drop_stop_words_and_fold_plurals():
    assert english_terms("The sleeves were too TIGHT and the dresses run small") == ["sleeve", "tight", "dress", "run", "small"]
    assert english_terms("I don\u2019t think it’s worth it") == ["think", "worth"]


def test_one_stop_word_list_covers_both_languages():
    assert {"the", "because", "really"} <= STOP_WORDS and {"我们", "但是", "时候"} <= STOP_WORDS
    assert not terms_of("because really 我们但是时候") & STOP_WORDS


@pytest.mark.parametrize("text", ["", "!!!", "12345", "好", "ok"])
def test_texts_without_terms_give_none(text):
    assert terms_of(text) == set()
