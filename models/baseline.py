"""The TF-IDF + logistic-regression baseline every encoder figure is reported beside (never used for scoring)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from reviewlens.models.calibration import fit_decisions

LOG_FLOOR = float(np.log(1e-6))     # log-probability of a class a language's baseline never saw in training


def tfidf_baseline(language: str):
    """Word 1-2-grams for English, character 1-2-grams for Chinese; balanced class weights."""
    if language == "zh":
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    else:
        vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
    return make_pipeline(vectorizer, LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"))


def fit_predict(language: str, train_texts: list[str], train_y: np.ndarray, test_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Predicted classes and probabilities (columns = sorted classes seen in training)."""
    model = tfidf_baseline(language).fit(train_texts, train_y)
    return model.predict(test_texts), model.predict_proba(test_texts)


@dataclass
class Baseline:
    """One TF-IDF + LR per language, its probabilities calibrated as the model's are (a per-class logit bias, then a
    temperature, fitted on validation by the same functions), so the model is not compared with a handicapped rival."""

    fitted: dict[str, tuple[Pipeline, np.ndarray]]       # language -> (pipeline, the classes it was trained on)
    bias: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float32))
    temperature: float = 1.0

    @classmethod
    def fit(cls, training: dict[str, tuple[list[str], np.ndarray]]) -> Baseline:
        """A baseline per language from its (texts, classes); unlabelled rows (-1) are left out, and a language
        with fewer than two classes gets none."""
        fitted = {}
        for language, (texts, y) in training.items():
            rows = np.flatnonzero(y >= 0)
            classes = np.unique(y[rows])
            if len(classes) >= 2:
                fitted[language] = (tfidf_baseline(language).fit([texts[i] for i in rows], y[rows]), classes)
        return cls(fitted)

    @property
    def languages(self) -> list[str]:
        return list(self.fitted)

    def logits(self, texts: list[str], languages: list[str]) -> np.ndarray:
        """Uncalibrated log-probabilities (N, 3), each text by its language's baseline; texts in a language with
        none are uniform (zeros)."""
        out = np.zeros((len(texts), 3))
        languages = np.asarray(languages, dtype=object)
        for language, (pipeline, classes) in self.fitted.items():
            rows = np.flatnonzero(languages == language)
            if len(rows):
                block = np.full((len(rows), 3), LOG_FLOOR)
                block[:, classes] = np.log(np.clip(pipeline.predict_proba([texts[i] for i in rows]), 1e-6, None))
                out[rows] = block
        return out

    def calibrate(self, texts: list[str], languages: list[str], y: np.ndarray, binary: np.ndarray,
                  base: np.ndarray | None = None) -> None:
        """Fit the bias and then the temperature on validation rows, over the languages a baseline exists for, by the
        model's rules (calibration.fit_decisions; `base`: which rows come from the base corpora)."""
        rows = np.isin(np.asarray(languages, dtype=object), self.languages)
        logits = self.logits([t for t, keep in zip(texts, rows) if keep], np.asarray(languages, dtype=object)[rows])
        self.bias, self.temperature = fit_decisions(logits, y[rows], binary[rows], None if base is None else base[rows])

    def probs(self, texts: list[str], languages: list[str]) -> np.ndarray:
        """Calibrated probabilities (N, 3): softmax((logits + bias) / temperature), as the model's."""
        z = (self.logits(texts, languages) + self.bias) / self.temperature
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)
