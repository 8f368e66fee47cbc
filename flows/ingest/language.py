"""English or not, for Latin-script review bodies that name no language: py3langid's naive Bayes model (shipped in its
wheel, nothing downloaded), run over a whole batch at once with numpy instead of one Python loop per byte.

The script decides first, in SQL (sql/ingest/01_stage.sql): Han is zh, kana, hangul or another non-Latin script is
other. Only bodies written mostly in Latin letters reach `english_or_other`, and there a body stays English unless
the model gives another language a clear lead: a review is short, misspelled and run together more often than it is
in a foreign language ("Excellent product.Relable.Maximum speed.Fast downloading" is English; "Sehr gut" is not).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy import sparse

# The languages English is weighed against: widely written Latin-script ones. Over all of the model's 140-odd, the
# probability of a short review spreads over look-alikes (Occitan, Latin, Nigerian Pidgin) and no language leads.
LATIN_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "sk", "hu", "ro",
                   "tr", "id", "ms", "vi", "hr", "sl", "et", "lv", "lt", "ca", "tl", "sw", "af")
MARGIN = 0.6        # another language is named when its probability exceeds English's by this much: on the English
                    # demo corpus, 0.5 calls 2 of 22,641 bodies ("Fits perfect!": Catalan) and 64 of 19,676 titles
                    # other, 0.6 no body and 39 titles ("Unique dress": French)
CHARS = 120         # characters of a body read: enough to tell a language (no English body of the demo corpus is
                    # called other at 120 or at 200), and the walk costs a step per byte
BATCH = 16_384      # bodies walked through the model at once


class _Model:
    """py3langid's byte n-gram automaton and naive Bayes tables, restricted to LATIN_LANGUAGES, as numpy arrays."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(LATIN_LANGUAGES)
        self.languages: list[str] = list(identifier.nb_classes)
        self.english = self.languages.index("en")
        self.next_state = np.frombuffer(identifier.tk_nextmove, dtype=np.dtype(identifier.tk_nextmove.typecode))
        self.row_base = np.frombuffer(identifier.tk_row, dtype=np.dtype(identifier.tk_row.typecode)).astype(np.int64) << 8
        self.feature = np.asarray(identifier.tk_output, dtype=np.int32)     # -1: the state completes no n-gram
        self.weights = np.asarray(identifier.nb_ptc, dtype=np.float32)      # (features, languages)
        self.prior = np.asarray(identifier.nb_pc, dtype=np.float32)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), languages) probabilities as py3langid's rank() gives them with norm_probs: the n-gram counts
        of each text's UTF-8 bytes (NFC; all-caps lowered), log1p-weighted, softmax at temperature sqrt(bytes),
        uniform for a text with no known n-gram."""
        encoded = [_encode(t) for t in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        order = np.argsort(-lengths, kind="stable")                  # longest first: live texts are a prefix
        counts = self._counts(encoded, order, lengths[order])
        scores = np.asarray(counts @ self.weights) + self.prior
        scores[counts.getnnz(axis=1) == 0] = 0.0                      # no n-gram known: uniform, as py3langid
        scores /= np.sqrt(np.maximum(lengths[order], 1))[:, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        out = np.empty_like(scores)
        out[order] = scores
        return out

    def _counts(self, encoded: list[bytes], order: np.ndarray, lengths: np.ndarray) -> sparse.csr_matrix:
        """log1p of how often each n-gram occurs in each text (texts in `order`, of `lengths`, longest first):
        py3langid's visit_counts, with the automaton walking all texts at once, one byte position at a time."""
        n, width = len(encoded), int(lengths.max(initial=0))
        data = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8)
        text = np.repeat(np.arange(n), lengths)
        grid = np.zeros((width, n), dtype=np.uint8)                  # grid[position, text]: each step reads a row
        grid[np.arange(len(data)) - (np.cumsum(lengths) - lengths)[text], text] = data
        live = np.searchsorted(-lengths, -np.arange(width), side="left")  # texts longer than each position
        state = np.zeros(n, dtype=np.int64)
        rows, features = [], []
        for position, alive in enumerate(live):
            state[:alive] = self.next_state[self.row_base[state[:alive]] + grid[position, :alive]]
            found = self.feature[state[:alive]]
            hit = np.flatnonzero(found >= 0)
            rows.append(hit)
            features.append(found[hit])
        none = np.empty(0, dtype=np.int64)
        rows, features = np.concatenate([none, *rows]), np.concatenate([none, *features])
        counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, features)),  # sums repeated n-grams
                                   shape=(n, len(self.weights)))
        counts.data = np.log1p(counts.data)
        return counts


def _encode(text: str) -> bytes:
    head = text[:CHARS]
    return unicodedata.normalize("NFC", head.lower() if head.isupper() else head).encode("utf-8", "surrogatepass")


@cache
def _model() -> _Model:
    return _Model()


def english_or_other(texts: Sequence[str]) -> list[str]:
    """'en' or 'other' for each Latin-script text: 'other' only where another language's probability exceeds
    English's by MARGIN.  english_or_other(['Great tablet,wrks fine', 'Sehr gut, schnelle Lieferung']) -> ['en', 'other']"""
    if not texts:
        return []
    model, out = _model(), []
    for start in range(0, len(texts), BATCH):
        p = model.probabilities(texts[start:start + BATCH])
        lead = p.max(axis=1) - p[:, model.english]
        out.extend(np.where(lead >= MARGIN, "other", "en").tolist())
    return out
