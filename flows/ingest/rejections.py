"""What each rejection reason means and how to fix it, said under ingest's summary with the first rejected row as an
example: a count alone ('invalid_created_at 505') leaves a user to dig the rows out of reviews_rejected."""

from __future__ import annotations

import json

ISO_DATES = "ISO 8601 (2026-11-28, 2026-11-28 09:30 or 2026-11-28T09:30:00+01:00)"
FIXES = {
    "invalid_created_at": f"is not a date reviewlens reads: give {ISO_DATES}, or name the file's layout with "
                          "--date-format (strptime codes: '%m/%d/%Y', '%d.%m.%Y %H:%M', '%Y' for a year alone)",
    "future_created_at": "is more than a day after now: check the column's time zone or layout (--date-format)",
    "invalid_rating": "is not a number on the rating scale (stars 1 to 5 unless --rating-scale names another, "
                      "such as 1-10): name the file's scale, or map another column with --column rating=COLUMN",
    "invalid_label": "is not one of negative, neutral, positive",
    "missing_review_id": "has no review id: map one with --column review_id=COLUMN, or leave review_id unmapped to "
                         "derive ids from each row's content",
    "missing_product_id": "has no product id",
    "empty_body": "has no review text",
    "invalid_encoding": "is not UTF-8: convert the file (iconv -f latin1 -t utf-8) and ingest it again",
    "malformed_row": "does not have the header's columns (a stray quote or delimiter)",
    "invalid_json": "is not a JSON object",
    "record_too_long": "is over 8 MB",
}


COLUMN = {"invalid_created_at": "created_at", "future_created_at": "created_at", "invalid_rating": "rating",
          "invalid_label": "label"}         # the contract column a reason blames


def failed_value(reason: str, raw: str, chosen: dict[str, str | None]) -> str | None:
    """The value of the blamed column in a rejected row's raw JSON (keyed by the file's own column names).

    >>> failed_value("invalid_created_at", '{"Year": 2017, "Reviews": "ok"}', {"created_at": "Year"})
    '2017'
    >>> failed_value("empty_body", '{"Reviews": ""}', {"body": "Reviews"}) is None
    True
    """
    column = chosen.get(COLUMN.get(reason, ""))
    try:
        value = json.loads(raw).get(column) if column else None
    except (ValueError, AttributeError):
        return None
    return None if value is None else str(value)


def explain(reason: str, count: int, line: int, value: str | None) -> str:
    """One sentence for one reason.

    >>> explain("invalid_created_at", 505, 2, "2017")[:78]
    "505 rows rejected as invalid_created_at, e.g. line 2: created_at '2017' is not"
    >>> explain("empty_body", 1, 7, None)
    '1 row rejected as empty_body, e.g. line 7: it has no review text.'
    """
    column = COLUMN.get(reason)
    what = f"{column} {value!r}" if column and value is not None else "it"
    fix = FIXES.get(reason, "see reviews_rejected")
    rows = f"{count:,} row{'s' if count != 1 else ''}"
    return f"{rows} rejected as {reason}, e.g. line {line}: {what} {fix}."
