"""The TF-IDF + logistic-regression baseline every encoder figure is reported beside (never used for scoring)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


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
