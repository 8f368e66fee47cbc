"""Ratings on another scale than stars 1 to 5: named with --rating-scale they become stars, unnamed they stop the file."""

from __future__ import annotations

import pytest

from reviewlens.flows.ingest.files import IngestError, ingest_file
from reviewlens.flows.ingest.rating_scale import RatingScale
from tests.conftest import count
from tests.test_ingest import write_csv


def rated(ratings: list[str]) -> list[str]:
    return [f"r{i},p1,,{r},,review number {i},2026-10-01" for i, r in enumerate(ratings)]


def stored(con) -> dict[str, int | None]:
    return dict(con.execute("SELECT review_id, rating FROM reviews").fetchall())


def test_a_file_rated_one_to_ten_is_refused_whole_and_names_the_scale(con, tmp_path):
    path = write_csv(tmp_path / "drugs.csv", rated(["9", "2", "5", "10", "7", "8"]))
    with pytest.raises(IngestError, match=r"drugs.csv: 4 of its 6 ratings are above 5 \(up to 10\).*nothing was "
                                          r"loaded\. Name the scale: --rating-scale 1-10"):
        ingest_file(con, path)
    assert count(con, "reviews") == 0 and count(con, "reviews_rejected") == 0     # its 2 and 5 are not read as stars


def test_named_scale_maps_each_rating_to_the_star_at_the_same_place(con, tmp_path):
    path = write_csv(tmp_path / "drugs.csv", rated(["1", "4", "5", "6", "7", "10", "11", "4.5"]))
    summary = ingest_file(con, path, rating_scale=RatingScale(1, 10))
    assert dict(summary.rejected) == {"invalid_rating": 1}                           # 11 is off the scale
    assert stored(con) == {"r0": 1, "r1": 2, "r2": 3, "r3": 3, "r4": 4, "r5": 5, "r7": 3}


def test_a_hundred_point_scale_from_zero(con, tmp_path):
    ingest_file(con, write_csv(tmp_path / "s.csv", rated(["0", "49", "50", "80", "100"])), rating_scale=RatingScale(0, 100))
    assert stored(con) == {"r0": 1, "r1": 3, "r2": 3, "r3": 4, "r4": 5}


def test_half_stars_load_as_the_nearest_star_rounding_up(con, tmp_path):
    ingest_file(con, write_csv(tmp_path / "s.csv", rated(["4.5", "2.5", "1.5", "3"])))
    assert stored(con) == {"r0": 5, "r1": 3, "r2": 2, "r3": 3}


def test_a_stray_rating_above_five_among_stars_is_rejected_alone(con, tmp_path):
    path = write_csv(tmp_path / "s.csv", rated(["5", "4", "1", "5", "3", "2", "4", "5", "5", "4", "44"]))
    summary = ingest_file(con, path)
    assert summary.inserted == 10 and dict(summary.rejected) == {"invalid_rating": 1}


def test_a_derived_id_does_not_depend_on_the_scale(con, tmp_path):
    path = write_csv(tmp_path / "s.csv", ["p1,,9,,nine of ten,2026-10-01"], header="product_id,category,rating,title,body,created_at\n")
    ingest_file(con, path, rating_scale=RatingScale(1, 10))
    again = ingest_file(con, path, rating_scale=RatingScale(1, 100))
    assert (again.inserted, again.updated) == (0, 1)                                 # the same review, its stars read anew
    assert list(stored(con).values()) == [1]                                      # 9 of 100


def test_a_rating_that_says_its_own_scale_is_read_on_it(con, tmp_path):
    path = write_csv(tmp_path / "amazon.csv", rated(["4.0 out of 5 stars", "1.0 out of 5 stars", "8/10", "5 / 10",
                                                     "11/10", "0 out of 10"]))
    summary = ingest_file(con, path)
    assert dict(summary.rejected) == {"invalid_rating": 2}                           # 11 of 10, and 0 on a scale from 1
    assert stored(con) == {"r0": 4, "r1": 1, "r2": 4, "r3": 3}
