"""The behavioural test suite (CheckList, Ribeiro et al. 2020), generated from data/behaviour.toml: per language, a
fixed number of cases per capability, the same cases on every run (one seeded generator per language and capability,
so editing one capability's templates moves no other's cases). Pure: no model, no torch."""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

ACCEPTS = {"positive": ("positive",), "negative": ("negative",), "neutral": ("neutral",),
           "not_negative": ("positive", "neutral")}           # a template key -> the labels a prediction passes with
POLARITIES = ("positive", "negative")
SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Capability:
    """One thing the model should be able to do, in one language, and how its cases are judged."""

    name: str
    language: str
    type: str                   # MFT (a sentence with a known label), INV (a change that must not move the label),
                                # DIR (a change that must not weaken the expected label's probability)
    description: str
    judge: str                  # three_class: argmax of the three; binary: the larger of p_negative and p_positive
    floor: bool = True          # counted in the language's MFT pass rate (reports/behaviour_floor.py)
    note: str = ""              # why it is not, when it is not
    tolerance: float = 0.0      # DIR: how far the expected label's probability may drop


@dataclass(frozen=True)
class Case:
    capability: Capability
    text: str
    expected: tuple[str, ...]   # MFT: the labels it passes with; INV: the original's (what an oracle says of both);
                                # DIR: the label whose probability must not drop
    original: str | None = None # INV, DIR: the text it is compared with

    @property
    def language(self) -> str:
        return self.capability.language

    @property
    def type(self) -> str:
        return self.capability.type


@dataclass(frozen=True)
class Aspect:
    """Nouns of one aspect of a vertical and the opinion words that fit them."""

    nouns: tuple[str, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    verb: str = ""              # only for nouns that are the thing bought, ordered or booked
    place: str = ""


@dataclass
class Draft:
    """A template and its slot values, kept apart so a perturbation can change one slot or the template's own words."""

    template: str
    slots: dict[str, str]
    expected: tuple[str, ...]

    @property
    def text(self) -> str:
        return render(self.template, self.slots)


def render(template: str, slots: dict[str, str]) -> str:
    return SLOT.sub(lambda m: slots[m.group(1)], template)


@cache
def load_suite() -> dict:
    """The shipped templates and fillers (flows/training/data/behaviour.toml)."""
    text = resources.files("reviewlens.flows.training").joinpath("data", "behaviour.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def capabilities(suite: dict | None = None) -> list[Capability]:
    """Every capability of every language, in the file's order."""
    suite = suite or load_suite()
    return [_capability(suite, language, name) for language in _languages(suite) for name in _sections(suite[language])]


def generate_cases(suite: dict | None = None) -> list[Case]:
    """The suite's cases: `cases_per_capability` distinct texts per capability and language, always the same ones."""
    suite = suite or load_suite()
    out = []
    for capability in capabilities(suite):
        rng = random.Random(f"{suite['suite']['seed']}/{capability.language}/{capability.name}")
        out += _cases(suite, capability, rng, int(suite["suite"]["cases_per_capability"]))
    return out


def opinion_words(suite: dict | None = None) -> dict[str, dict[str, set[str]]]:
    """Per language, the words the suite uses to carry an opinion, by polarity: what a typo must never touch."""
    suite = suite or load_suite()
    return {language: {polarity: {word for aspect in _aspects(suite, language) for word in getattr(aspect, polarity)}
                       for polarity in POLARITIES} for language in _languages(suite)}


def _languages(suite: dict) -> list[str]:
    return [key for key in suite if key != "suite"]


def _sections(language: dict) -> list[str]:
    return [name for name, value in language.items() if isinstance(value, dict) and "type" in value]


def _capability(suite: dict, language: str, name: str) -> Capability:
    section = suite[language][name]
    return Capability(name, language, section["type"], section["description"], section.get("judge", suite[language]["judge"]),
                      section.get("floor", True), section.get("note", ""),
                      float(suite["suite"]["dir_tolerance"]) if section["type"] == "DIR" else 0.0)


def _aspects(suite: dict, language: str) -> list[Aspect]:
    return [aspect for group in _group_aspects(suite, language).values() for aspect in group]


def _group_aspects(suite: dict, language: str, generic_words: bool = True) -> dict[str, list[Aspect]]:
    """{vertical: aspects}, the language's generic opinion words added to every aspect's own unless told not to."""
    generic = suite[language].get("generic", {}) if generic_words else {}
    out = {}
    for vertical, entry in suite[language]["verticals"].items():
        out[vertical] = [Aspect(tuple(a["nouns"]), *(tuple(dict.fromkeys(a[p] + generic.get(p, []))) for p in POLARITIES),
                                a.get("verb", ""), entry.get("place", "")) for a in entry["aspects"]]
    return out


def _cases(suite: dict, capability: Capability, rng: random.Random, n: int) -> list[Case]:
    section = suite[capability.language][capability.name]
    make: Callable[[int], Case | None] = {
        "MFT": lambda i: _mft_case(capability, _draft(suite, capability.language, capability.name, rng, i)),
        "DIR": lambda i: _dir_case(suite, capability, section, rng, i),
        "INV": lambda i: _inv_case(suite, capability, section, rng, i),
    }[capability.type]
    cases, seen, attempt = [], set(), 0
    while len(cases) < n:
        if attempt > 50 * n:
            raise ValueError(f"behaviour.toml: {capability.language}.{capability.name} cannot make {n} distinct cases")
        case = make(attempt)
        attempt += 1
        if case is not None and case.text not in seen:
            seen.add(case.text)
            cases.append(case)
    return cases


def _mft_case(capability: Capability, draft: Draft | None) -> Case | None:
    return None if draft is None else Case(capability, draft.text, draft.expected)


def _templates(section: dict) -> list[tuple[str, tuple[str, ...], str]]:
    """(template, labels it passes with, polarity of {adj}) for every template of an MFT section, each by_adjective
    template once per polarity, so labels come out balanced when the list is cycled."""
    out = [(t, ACCEPTS[p], p) for t in section.get("by_adjective", []) for p in POLARITIES]
    out += [(t, ACCEPTS[key], "positive") for key in ACCEPTS for t in section.get(key, [])]
    return out


def _draft(suite: dict, language: str, name: str, rng: random.Random, i: int) -> Draft | None:
    """The i-th sentence of an MFT section: templates in turn, fillers at random."""
    section = suite[language][name]
    templates = _templates(section)
    template, expected, polarity = templates[i % len(templates)]
    slots = _fill(suite, language, template, polarity, rng, section.get("fillers", {}))
    return None if slots is None else Draft(template, slots, expected)


def _fill(suite: dict, language: str, template: str, polarity: str, rng: random.Random,
          fillers: dict[str, list[str]], generic_words: bool = True) -> dict[str, str] | None:
    """Slot values for a template: two different aspects of one vertical ({verb} only from aspects that have one),
    {adj} of `polarity` and {other} of the opposite; None when the chosen vertical cannot fill it."""
    used = set(SLOT.findall(template))
    groups = _group_aspects(suite, language, generic_words)
    aspects = groups[rng.choice(sorted(groups))] if groups else []
    fitting = [a for a in aspects if a.verb] if "verb" in used else aspects
    if not fitting or ("noun2" in used and len(aspects) < 2):
        return None
    first = rng.choice(fitting)
    second = rng.choice([a for a in aspects if a is not first]) if len(aspects) > 1 else first
    other = POLARITIES[1 - POLARITIES.index(polarity)]
    slots = {key: rng.choice(values) for key, values in fillers.items()}
    for suffix, aspect in (("", first), ("2", second)):
        words = {"positive": aspect.positive, "negative": aspect.negative}
        slots |= {f"noun{suffix}": rng.choice(aspect.nouns), f"adj{suffix}": rng.choice(words[polarity]),
                  f"other{suffix}": rng.choice(words[other]), f"pos{suffix}": rng.choice(aspect.positive),
                  f"neg{suffix}": rng.choice(aspect.negative)}
    slots |= {"verb": first.verb, "place": first.place}
    return slots


def _dir_case(suite: dict, capability: Capability, section: dict, rng: random.Random, i: int) -> Case | None:
    """The i-th intensifier case: the plain degree ("reliable", 很耐用) against an intensified one ("very reliable",
    非常耐用), the expected label the adjective's polarity."""
    templates = section["templates"]
    polarity = POLARITIES[i % 2]
    template = templates[(i // 2) % len(templates)]
    slots = _fill(suite, capability.language, template, polarity, rng, {}, section.get("generic_words", True))
    if slots is None:
        return None
    plain = render(template, {**slots, "degree": section["plain"].format(adj=slots["adj"])})
    stronger = render(template, {**slots, "degree": rng.choice(section["intensified"]).format(adj=slots["adj"])})
    return Case(capability, stronger, ACCEPTS[polarity], plain)


def _inv_case(suite: dict, capability: Capability, section: dict, rng: random.Random, i: int) -> Case | None:
    """The i-th invariance case: a sentence of the sections named in `from`, in turn, and its perturbation."""
    sources = section["from"]
    draft = _draft(suite, capability.language, sources[i % len(sources)], rng, i // len(sources))
    if draft is None:
        return None
    changed = PERTURBATIONS[section["perturbation"]](draft, section, rng, i)
    return None if changed is None or changed == draft.text else Case(capability, changed, draft.expected, draft.text)


def swap_letters(draft: Draft, section: dict, rng: random.Random, i: int) -> str | None:
    """Two adjacent, different letters of the noun swapped: a typo in a word that carries no opinion."""
    noun = draft.slots["noun"]
    places = [j for j in range(len(noun) - 1) if noun[j].isalpha() and noun[j + 1].isalpha() and noun[j] != noun[j + 1]]
    if "{noun}" not in draft.template or not places:
        return None
    j = rng.choice(places)
    return render(draft.template, {**draft.slots, "noun": noun[:j] + noun[j + 1] + noun[j] + noun[j + 2:]})


def casing(draft: Draft, section: dict, rng: random.Random, i: int) -> str:
    """The sentence in upper case, lower case or title case, in turn."""
    text = draft.text
    return (text.upper(), text.lower(), " ".join(w[:1].upper() + w[1:] for w in text.split(" ")))[i % 3]


def homophones(draft: Draft, section: dict, rng: random.Random, i: int) -> str | None:
    """One character of the template's own words (never a slot: no opinion word) replaced by a common homophone typo
    (的→得, 在→再, …); None when the template has none of them."""
    parts = SLOT.split(draft.template)                         # even indexes: the template's words; odd: slot names
    spots = [(k, m.start(), old, new) for k in range(0, len(parts), 2) for old, new in section["homophones"]
             for m in re.finditer(re.escape(old), parts[k])]
    if not spots:
        return None
    k, start, old, new = rng.choice(spots)
    parts[k] = parts[k][:start] + new + parts[k][start + len(old):]
    template = "".join(p if n % 2 == 0 else "{" + p + "}" for n, p in enumerate(parts))
    return render(template, draft.slots)


def punctuation(draft: Draft, section: dict, rng: random.Random, i: int) -> str:
    """In turn: full-width punctuation written half-width, another sentence ending, or a space typed between two
    characters (Chinese has no letter case; this is what varies instead)."""
    text = draft.text
    if i % 3 == 0:
        for full, half in section["halfwidth"]:
            text = text.replace(full, half)
        return text
    if i % 3 == 1:
        return text.rstrip("。") + rng.choice(section["endings"])
    j = rng.randrange(1, len(text) - 1)
    return text[:j] + " " + text[j:]


PERTURBATIONS = {"swap_letters": swap_letters, "casing": casing, "homophones": homophones, "punctuation": punctuation}
