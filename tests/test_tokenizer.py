"""Tokenizer: bilingual WordPiece, round trips, head+tail truncation, [UNK] rate on real reviews."""

from __future__ import annotations

import pytest

from reviewlens.models.splits import split_of
from reviewlens.models.tokenizer import (CLS_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID, HeadTail, encode, train_tokenizer,
                                        unk_rate)

CORPUS = [
    "Runs small. Fabric is lovely!", "The dress fits perfectly and the colour is great",
    "Too tight in the shoulders, returned it", "质量很好，物流太慢", "衣服质量不错，就是尺码偏小",
    "酒店位置很好，早餐一般", "Love it 😍 but the zipper broke 👎", "café au lait colour, très joli",
] * 20


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(CORPUS, vocab_size=600, min_frequency=1)


def squash(text: str) -> str:
    return "".join(text.lower().split())


@pytest.mark.parametrize("text", ["Runs small. Fabric is lovely!", "质量很好，物流太慢", "质量很好 but runs small", "Love it 😍👍", ""])
def test_tokenizer_round_trip(tokenizer, text):
    ids = tokenizer.encode(text).ids
    assert ids[0] == CLS_ID and ids[-1] == SEP_ID
    assert UNK_ID not in ids
    assert squash(tokenizer.decode(ids)) == squash(text)


def test_chinese_is_split_one_character_per_token_and_latin_is_lowercased(tokenizer):
    assert tokenizer.encode("物流太慢").tokens == ["[CLS]", "物", "流", "太", "慢", "[SEP]"]
    assert tokenizer.encode("FABRIC").tokens[1:-1] == tokenizer.encode("fabric").tokens[1:-1]


def test_accents_are_kept(tokenizer):
    assert tokenizer.decode(tokenizer.encode("café").ids) == "café"


def test_token_ids_follow_from_the_tokens_alone_so_retraining_numbers_them_alike(tokenizer):
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    tokens = [token for token, _ in vocab]
    assert [i for _, i in vocab] == list(range(len(vocab)))
    assert tokens[:5] == SPECIAL_TOKENS and tokens[5:] == sorted(tokens[5:])
    assert {"##s", "fabric", "质"} <= set(tokens)


def test_long_reviews_keep_head_and_tail():
    assert HeadTail(6).fit([CLS_ID, 10, 11, 12, 13, 14, 15, SEP_ID]) == [CLS_ID, 10, 11, 14, 15, SEP_ID]
    assert HeadTail(6).fit([CLS_ID, 10, SEP_ID]) == [CLS_ID, 10, SEP_ID]


def test_encode_truncates_to_the_window_including_megabyte_texts(tokenizer):
    head, tail = "fabric " * 5, " zipper" * 5
    ids = encode(tokenizer, [head + "dress " * 200_000 + tail, ""], max_len=32)
    assert len(ids[0]) == 32 and ids[1] == [CLS_ID, SEP_ID]
    tokens = [tokenizer.id_to_token(i) for i in ids[0]]
    assert tokens[1] == "fabric" and tokens[-2] == "zipper"


@pytest.mark.slow
def test_unk_rate_is_under_one_percent_on_held_out_demo_reviews(demo_frame):
    train = demo_frame[[split_of(t) != "test" for t in demo_frame.body]]
    held_out = demo_frame[[split_of(t) == "test" for t in demo_frame.body]]
    tokenizer = train_tokenizer(train.body.tolist(), vocab_size=12_000)
    for language, group in held_out.groupby("language"):
        assert unk_rate(tokenizer, group.body.tolist()) < 0.01, language
