"""How a command scores, built once from the settings: the one place that reads the scoring settings, and the one way
every model is loaded (the nightly run and its shard workers, `classify`, `eval`, training's evaluation and its
activation check, topic discovery), so a figure that activates a model is the figure it runs at."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import torch.nn as nn

from reviewlens.flows.allocator import use_allocator
from reviewlens.flows.config import Settings
from reviewlens.models.device import pick_device
from reviewlens.models.inference import ReviewModel, ScoringOptions
from reviewlens.models.taxonomy import Taxonomy


@dataclass(frozen=True)
class ScoringProfile:
    """What the model takes (precision, torch threads, prefetch, batch budget), the device it scores on, how the
    scoring process's allocator gives memory back, and the torch threads of each Dask worker."""
    options: ScoringOptions = field(default_factory=ScoringOptions)
    device: str = "auto"
    allocator: str = "bounded"
    worker_threads: int = 0            # torch threads per Dask worker; 0 = its machine's cores / its task threads

    @classmethod
    def from_settings(cls, settings: Settings) -> ScoringProfile:
        options = ScoringOptions(precision=settings.score_precision, threads=settings.score_threads,
                                 prefetch_texts=settings.score_prefetch_texts, batch_tokens=settings.score_batch_tokens)
        return cls(options, settings.device, settings.allocator, settings.worker_threads)

    def load(self, folder: Path) -> ReviewModel:
        """A verified checkpoint scoring as this profile says, in a process whose allocator it has set."""
        use_allocator(self.allocator)
        return ReviewModel.load(folder, self.device, self.options)

    def ready(self, classifier: nn.Module, tokenizer, taxonomy: Taxonomy, version: str = "",
              clauses_in_context: bool = True) -> ReviewModel:
        """A classifier trained in this process, scoring as it will once saved and loaded: what training measures
        (`clauses_in_context` as models/inference.reads_clauses_in_context will say of its checkpoint)."""
        return ReviewModel(classifier.to(pick_device(self.device)), tokenizer, taxonomy, version, self.options,
                           clauses_in_context)

    def with_threads(self, threads: int) -> ScoringProfile:
        """This profile for a process given `threads` torch threads (0: leave torch's own), e.g. a Dask worker."""
        return replace(self, options=replace(self.options, threads=threads))
