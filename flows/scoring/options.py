"""The scoring settings as the model takes them: one place, so the nightly flow, its workers and `classify` score
alike."""

from __future__ import annotations

from reviewlens.flows.config import Settings
from reviewlens.models.inference import ScoringOptions


def scoring_options(settings: Settings) -> ScoringOptions:
    return ScoringOptions(precision=settings.score_precision, threads=settings.score_threads,
                          prefetch_texts=settings.score_prefetch_texts)
