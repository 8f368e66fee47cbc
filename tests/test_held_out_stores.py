"""The cross-vertical benchmark's Fine Food reviews, offline: text cleaning, labels, the .deb reader, the cache check,
and how 5-star-vs-rest labels are judged for a 3-class model. Fetching the real .deb needs apt-get and a network."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from tests.benchmarks.cross_vertical import great_vs_other
from reviewlens.flows.training.base_corpora import plain_text
from tests.benchmarks.held_out_stores import FINE_FOODS_CACHE, ar_members, fine_foods, labelled_reviews


@pytest.mark.parametrize("raw, clean", [
    ("Tasty.<br /><br />Would buy again.", "Tasty. Would buy again."),
    ("Tasty.<BR>Cheap.<br/>Fresh.", "Tasty. Cheap. Fresh."),
    ("Salt &amp; vinegar, &quot;crunchy&quot; &#8211; yes", 'Salt & vinegar, "crunchy" \u2013 yes'),
    ("  too   much\tspace\n ", "too much space"),
])
def test_a_review_becomes_one_line_of_plain_text(raw, clean):
    assert plain_text(raw) == clean


def test_five_stars_are_positive_the_rest_other_and_a_text_counts_once():
    raw = pd.DataFrame({
        "review": ["Love it.<br />Great.", "Love it. Great.", "Good, not great.", "Stale.", "<br />"],
        "score": ["great", "great", "other", "other", "other"],
    })
    assert labelled_reviews(raw).to_dict("list") == {
        "text": ["Love it. Great.", "Good, not great.", "Stale."], "label": ["positive", "other", "other"]}


@pytest.mark.skipif(shutil.which("ar") is None, reason="GNU ar writes the reference archive")
def test_the_deb_reader_reads_what_ar_wrote(tmp_path):
    (tmp_path / "debian-binary").write_bytes(b"2.0\n")
    (tmp_path / "odd.bin").write_bytes(b"abc")                  # odd size: the archive pads it
    (tmp_path / "data.tar.xz").write_bytes(bytes(range(256)))
    subprocess.run(["ar", "rc", "x.deb", "debian-binary", "odd.bin", "data.tar.xz"], cwd=tmp_path, check=True)
    members = ar_members((tmp_path / "x.deb").read_bytes())
    assert members == {"debian-binary": b"2.0\n", "odd.bin": b"abc", "data.tar.xz": bytes(range(256))}


def test_a_cache_that_is_not_the_pinned_corpus_is_refused(tmp_path):
    pd.DataFrame({"split": ["testing_data"], "product": ["B000"], "review": ["Tasty."], "score": ["great"]}).to_parquet(
        tmp_path / FINE_FOODS_CACHE, index=False)
    with pytest.raises(SystemExit) as caught:
        fine_foods(tmp_path)
    assert str(caught.value).endswith("content checksum differs): delete it to re-fetch.")


def test_without_apt_get_it_stops_with_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SystemExit) as caught:
        fine_foods(tmp_path / "cache")
    message = str(caught.value)
    assert message.startswith("apt-get is not on PATH") and message.count(". ") == 0 and "\n" not in message
    assert not (tmp_path / "cache").exists()


def test_neutral_or_negative_for_one_to_four_stars_is_right():
    great = np.array([True, True, False, False])
    probs = np.array([[0.1, 0.1, 0.8], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1]])
    figures = great_vs_other(great, probs)
    assert (figures["auc"], figures["accuracy"], figures["positive_f1"], figures["macro_f1"]) == (1.0, 1.0, 1.0, 1.0)
    assert figures["predicted"] == {"negative": 1, "neutral": 1, "positive": 2} and (figures["n"], figures["great"]) == (4, 2)


def test_the_auc_ranks_by_positive_minus_negative_not_positive_alone():
    great = np.array([True, False])
    probs = np.array([[0.05, 0.55, 0.40], [0.50, 0.05, 0.45]])    # P(positive) alone would rank the other first
    assert great_vs_other(great, probs)["auc"] == 1.0
