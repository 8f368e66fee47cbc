"""What a report says of its sentiment figures when the store's own test reviews carry no rating or label: shared by
`train`/`eval` (flows/training/eval_report.py) and the dashboard's model card, so both say it in the same words."""

from __future__ import annotations


def unjudged_line(unjudged: int | None, where: str = "the fixed test split") -> str | None:
    """What the figures on `where` are when the store's own reviews there carry no rating or label (None otherwise)."""
    if unjudged is None:
        return None
    held = f"the store's {unjudged:,} reviews there carry no rating or label" if unjudged else "the store has no reviews there"
    return (f"every sentiment figure on {where} is the base corpora's (clothing and Chinese shopping reviews): {held}, "
            "so how the model reads this store's sentiment is not measured; `reviewlens eval --input FILE` measures "
            "it on an export with ratings or labels")
