"""Bilingual WordPiece tokenizer trained from scratch: BERT normalisation, one token per CJK character.

Accents are kept (strip_accents=False): "café" and "cafe" are different words in reviews. Reviews longer
than the model's window keep their head and their tail, where the verdict usually is.

Token ids are canonical: the special tokens, then every other token in code-point order. The trainer numbers its
"##" tokens in hash-map order (huggingface/tokenizers#1794), so the same texts gave the same 8,000 tokens with 185 to
371 of them under other ids from one run to the next, and with them other embedding rows and other n-gram hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(5)
# Common emoji are in the alphabet from the start, so they survive even when the corpus lacks them.
EMOJI_PATTERN = "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50]"
EMOJI_ALPHABET = list("😀😁😂🤣😃😄😅😊😍😘😎😐😕😞😠😡😢😭👍👎👌🙏💯❤💔⭐✨🔥🎉")


def train_tokenizer(texts: Iterable[str], vocab_size: int = 12_000, min_frequency: int = 2) -> Tokenizer:
    """A WordPiece tokenizer fitted to these texts, with the [CLS] … [SEP] template."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=50))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.BertPreTokenizer(),
        pre_tokenizers.Split(Regex(EMOJI_PATTERN), behavior="isolated"),  # "😍👍" is two tokens, not one [UNK]
    ])
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=EMOJI_ALPHABET, limit_alphabet=6_000,
    )
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.model = models.WordPiece(canonical_vocab(tokenizer.get_vocab()), unk_token="[UNK]",
                                       max_input_chars_per_word=50)
    assert [tokenizer.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(5)), "special tokens must come first"
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", CLS_ID), ("[SEP]", SEP_ID)]
    )
    return tokenizer


def canonical_vocab(vocab: dict[str, int]) -> dict[str, int]:
    """The same tokens under ids that depend on nothing but the tokens: specials first, the rest in code-point order.

    >>> canonical_vocab({"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "##s": 7, "b": 5, "a": 6})
    {'[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4, '##s': 5, 'a': 6, 'b': 7}
    """
    rest = sorted(token for token in vocab if token not in SPECIAL_TOKENS)
    return {token: i for i, token in enumerate([*SPECIAL_TOKENS, *rest])}


def load_tokenizer(path: Path) -> Tokenizer:
    return Tokenizer.from_file(str(path))


@dataclass(frozen=True)
class HeadTail:
    """Fits token ids into max_len keeping the head and the tail.  fit([CLS,1..10,SEP]) with max_len 6 -> [CLS,1,2,9,10,SEP]"""

    max_len: int

    def fit(self, ids: list[int]) -> list[int]:
        if len(ids) <= self.max_len:
            return ids
        body = ids[1:-1]
        room = self.max_len - 2
        head = room // 2
        return [ids[0], *body[:head], *body[len(body) - (room - head):], ids[-1]]

    def clip_chars(self, text: str) -> str:
        """Cut very long texts before tokenizing (a 1 MB review would be tokenized whole otherwise)."""
        limit = self.max_len * 12
        return text if len(text) <= 2 * limit else text[:limit] + " … " + text[-limit:]


def encode(tokenizer: Tokenizer, texts: list[str], max_len: int) -> list[list[int]]:
    """Token ids per text with [CLS]/[SEP], head+tail truncated to max_len; empty text gives [CLS, SEP]."""
    fit = HeadTail(max_len)
    encodings = tokenizer.encode_batch([fit.clip_chars(t or "") for t in texts])
    return [fit.fit(e.ids) for e in encodings]


def unk_rate(tokenizer: Tokenizer, texts: list[str]) -> float:
    """Share of non-special tokens that are [UNK]."""
    ids = [i for e in tokenizer.encode_batch(texts) for i in e.ids if i not in (CLS_ID, SEP_ID)]
    return sum(i == UNK_ID for i in ids) / max(len(ids), 1)
