"""The shipped topic sets, one per kind of store, and the choice among them: the set whose seed words occur in the
largest share of the store's reviews (a topic set that does not fit a store leaves most of its reviews untouched)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from reviewlens.models.taxonomy import SeedLabeller, Taxonomy, default_taxonomy_text, parse_taxonomy

VERTICALS = ("apparel", "electronics", "home", "food", "hotels", "health", "services")
SAMPLE = 20_000            # reviews looked at; evenly spaced, so a large store takes a second or two per set


def shipped_taxonomy(vertical: str) -> Taxonomy:
    """apparel is models/topics.toml (the default); the others are models/taxonomies/<vertical>.toml."""
    if vertical == "apparel":
        return parse_taxonomy(default_taxonomy_text())
    return parse_taxonomy(resources.files("reviewlens.models").joinpath("taxonomies", f"{vertical}.toml")
                          .read_text(encoding="utf-8"))


def seed_fit(taxonomy: Taxonomy, texts: list[str]) -> tuple[float, float]:
    """The share of the texts with a seed word of the taxonomy (its coverage), and the mean number of its topics a text
    names; (0, 0) for no texts."""
    if not texts:
        return 0.0, 0.0
    labeller = SeedLabeller(taxonomy, everyday=False)
    named = [len(labeller.topics_in(t)) for t in texts]
    return sum(n > 0 for n in named) / len(texts), sum(named) / len(texts)


@dataclass(frozen=True)
class Choice:
    vertical: str
    taxonomy: Taxonomy
    coverage: dict[str, float]          # every vertical's seed coverage, in VERTICALS order

    def describe(self) -> str:
        """topics: electronics, its seed words in 71% of the store's reviews (apparel 38%, home 22%, ...)"""
        others = ", ".join(f"{v} {c:.0%}" for v, c in self.coverage.items() if v != self.vertical)
        return (f"topics: {self.vertical}, its seed words in {self.coverage[self.vertical]:.0%} of the store's reviews "
                f"({others}); --topics FILE uses your own")


def pick_taxonomy(texts: list[str]) -> Choice:
    """The shipped topic set whose seed words cover the most of these texts; of sets that cover as many, the one that
    names more of its topics per text (the finer fit: the apparel set also carries the hotel, device and book topics of
    the demo's Chinese reviews, so it covers a hotel store as often as the hotel set does, in fewer, coarser topics);
    apparel when that ties too, or there are no texts."""
    step = max(1, -(-len(texts) // SAMPLE))
    sample = [t for t in texts[::step] if t]
    sets = {v: shipped_taxonomy(v) for v in VERTICALS}
    fit = {v: seed_fit(taxonomy, sample) for v, taxonomy in sets.items()}
    best = max(VERTICALS, key=lambda v: (*fit[v], -VERTICALS.index(v)))
    return Choice(best, sets[best], {v: coverage for v, (coverage, _) in fit.items()})
