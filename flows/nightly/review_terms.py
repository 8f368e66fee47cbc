"""review_terms: the words of each review in the emerging-terms window, segmented in Python (models/terms.py:
jieba words for Chinese, folded singulars for English) before the insight SQL counts them. A review is
segmented once, and again only after its text changed."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from reviewlens.flows.store.connection import query, run_script, transaction
from reviewlens.models.terms import terms_of

PAGE_REVIEWS = 20_000          # reviews segmented and written per transaction


def index_terms(con: duckdb.DuckDBPyConnection, run_date: date) -> int:
    """Write the terms of the window's reviews that have none yet (or were edited since); returns how many."""
    written, after = 0, ""
    while not (page := query(con, "terms/pending.sql", {"run_date": run_date, "after": after, "limit": PAGE_REVIEWS})).empty:
        texts = dict(zip(page["text_hash"], page["body"]))                  # a repeated text is segmented once
        by_hash = {h: sorted(terms_of(body)) for h, body in texts.items()}
        frame = pa.table({
            "review_id": pa.array(page["review_id"], pa.string()),
            "text_hash": pa.array(page["text_hash"], pa.string()),
            "terms": pa.array([by_hash[h] for h in page["text_hash"]], pa.list_(pa.string())),
        })
        with transaction(con):
            con.register("terms_frame", frame)
            try:
                run_script(con, "terms/write.sql")
            finally:
                con.unregister("terms_frame")
        written += len(page)
        after = page["review_id"].iloc[-1]
    return written
