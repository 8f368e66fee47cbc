"""The floor a model's behavioural tests (flows/training/behaviour.py) should reach, and what to say when they do not.
Pure: it reads the report, {language: {capability: {"type", "n", "pass_rate", "floor", ...}}}."""

from __future__ import annotations

BEHAVIOUR_FLOOR = 0.85      # share of a language's minimum-functionality (MFT) cases a model should pass (issue 19)


def mft_pass_rate(capabilities: dict) -> float | None:
    """Share of one language's MFT cases passed, over the capabilities counted in the floor; None when there are none.

    >>> mft_pass_rate({"negation": {"type": "MFT", "n": 60, "pass_rate": 0.5},
    ...                "vocabulary": {"type": "MFT", "n": 40, "pass_rate": 1.0},
    ...                "neutral": {"type": "MFT", "n": 60, "pass_rate": 0.0, "floor": False},
    ...                "typos": {"type": "INV", "n": 60, "pass_rate": 0.0}})
    0.7
    """
    counted = [e for e in capabilities.values() if e["type"] == "MFT" and e.get("floor", True) and e["n"]]
    if not counted:
        return None
    return round(sum(e["n"] * e["pass_rate"] for e in counted) / sum(e["n"] for e in counted), 6)


def below_floor(report: dict) -> list[str]:
    """One sentence per language whose MFT pass rate is under the floor, naming the capabilities under it.

    >>> below_floor({"en": {"negation": {"type": "MFT", "n": 60, "pass_rate": 0.5},
    ...                     "vocabulary": {"type": "MFT", "n": 60, "pass_rate": 0.9}},
    ...              "zh": {"negation": {"type": "MFT", "n": 60, "pass_rate": 0.9}}})
    ['en: it passes 70% of the behavioural minimum-functionality cases, below the 85% floor (negation 50%)']
    """
    out = []
    for language, capabilities in report.items():
        rate = mft_pass_rate(capabilities)
        if rate is None or rate >= BEHAVIOUR_FLOOR:
            continue
        weak = sorted((e["pass_rate"], name) for name, e in capabilities.items()
                      if e["type"] == "MFT" and e.get("floor", True) and e["pass_rate"] < BEHAVIOUR_FLOOR)
        out.append(f"{language}: it passes {rate:.0%} of the behavioural minimum-functionality cases, below the "
                   f"{BEHAVIOUR_FLOOR:.0%} floor ({', '.join(f'{name} {r:.0%}' for r, name in weak)})")
    return out
