"""The scale a file rates on. Stars 1 to 5 are what reviewlens stores and what labels sentiment (1-2 negative, 3
neutral, 4-5 positive); many exports rate otherwise (Drugs.com, Booking.com and IMDb 1-10, some shops 0-100). Read
as stars, a 1-10 file would load its 1-5 ratings as they stand (a 5 of 10, "it is okay", as a 5-star review) and
reject the rest, so a file whose ratings plainly run above the scale is refused whole, with the scale to name."""

from __future__ import annotations

import re
from typing import NamedTuple

from reviewlens.flows.errors import UserError

ABOVE_SHARE = 0.1      # rated rows above the scale's top that say "another scale", not a stray typo to reject alone


class RatingScale(NamedTuple):
    low: float
    high: float


STARS = RatingScale(1.0, 5.0)


def parse_rating_scale(text: str | None) -> RatingScale | None:
    """`--rating-scale LOW-HIGH` ("1-10", "0-100", "1-5"); None for none given.

    >>> parse_rating_scale("1-10"), parse_rating_scale(" 0 - 100 "), parse_rating_scale(None)
    (RatingScale(low=1.0, high=10.0), RatingScale(low=0.0, high=100.0), None)
    """
    if text is None:
        return None
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*", text)
    if not found or float(found[1]) >= float(found[2]):
        raise UserError(f"--rating-scale {text!r} is not LOW-HIGH with LOW below HIGH; say, for example, 1-10 or 0-100.")
    return RatingScale(float(found[1]), float(found[2]))


def suggested_scale(lowest: float, highest: float) -> str:
    """The scale to name for ratings that run from `lowest` to `highest`.

    >>> suggested_scale(1, 10), suggested_scale(0, 9), suggested_scale(20, 100), suggested_scale(1, 250)
    ('1-10', '0-10', '1-100', '1-250')
    """
    start = "0" if lowest < 1 else "1"
    for top in (10, 100):
        if highest <= top:
            return f"{start}-{top}"
    return f"{start}-{highest:g}"


def refusal(file: str, rated: int, above: int, lowest: float | None, highest: float | None) -> str | None:
    """Why a file read on the default star scale is refused whole (None: it is not): ABOVE_SHARE or more of its
    rated rows lie above 5.

    >>> refusal("a.csv", 100, 3, 1, 50) is None
    True
    >>> print(refusal("a.csv", 100, 60, 1, 10))
    a.csv: 60 of its 100 ratings are above 5 (up to 10), so it rates on another scale than stars 1 to 5 and none of its ratings can be read as stars; nothing was loaded. Name the scale: --rating-scale 1-10 (each rating becomes the star at the same place on 1 to 5).
    """
    if not above or above < ABOVE_SHARE * rated:
        return None
    rated, above = int(rated), int(above)
    scale = suggested_scale(lowest, highest)
    return (f"{file}: {above:,} of its {rated:,} ratings are above 5 (up to {highest:g}), so it rates on another scale "
            f"than stars 1 to 5 and none of its ratings can be read as stars; nothing was loaded. Name the scale: "
            f"--rating-scale {scale} (each rating becomes the star at the same place on 1 to 5).")
