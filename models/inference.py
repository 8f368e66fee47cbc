"""Batched inference: texts in, sentiment probabilities, topic scores, aspects and embeddings out.

Reviews and their clauses go through the model in one pass, length-sorted and batched by a token
budget under torch.inference_mode; results come back in input order whatever the batching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from reviewlens.models.checkpoint import CheckpointError, load_checkpoint, load_state, save_checkpoint
from reviewlens.models.classifier import NEG, POS, SENTIMENTS, ReviewClassifier
from reviewlens.models.clauses import split_clauses
from reviewlens.models.device import pick_device
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import predict_logits
from reviewlens.models.taxonomy import Taxonomy, parse_taxonomy
from reviewlens.models.tokenizer import encode


@dataclass
class Aspect:
    clause_no: int
    start: int
    end: int
    topic: str
    sentiment: str
    score: float            # p_positive - p_negative of the clause


@dataclass
class Scored:
    sentiment: str
    probs: np.ndarray                       # (3,) negative, neutral, positive
    topic_scores: dict[str, float]
    topics: list[str]
    aspects: list[Aspect] = field(default_factory=list)
    embedding: np.ndarray | None = None     # (C,) pooled encoder output

    @property
    def score(self) -> float:
        return float(self.probs[POS] - self.probs[NEG])


class ReviewModel:
    """A loaded, verified classifier checkpoint ready to score texts."""

    def __init__(self, classifier: ReviewClassifier, tokenizer, taxonomy: Taxonomy, version: str) -> None:
        self.classifier, self.tokenizer, self.taxonomy, self.version = classifier.eval(), tokenizer, taxonomy, version
        self.max_len = classifier.encoder.cfg.max_len

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> "ReviewModel":
        """A verified checkpoint, on `device` ('auto' takes CUDA when present)."""
        ckpt = load_checkpoint(folder)
        if ckpt.config.get("kind") != "classifier":
            raise CheckpointError(f"{folder} is not a classifier checkpoint (kind {ckpt.config.get('kind')!r}).")
        taxonomy = parse_taxonomy((folder / "taxonomy.toml").read_text(encoding="utf-8"))
        model = ReviewClassifier(EncoderConfig(**ckpt.config["encoder"]), len(taxonomy.ids),
                                 wide_buckets=ckpt.config.get("wide_buckets", 0), wide_orders=tuple(ckpt.config.get("wide_orders", (1, 2, 3))))
        load_state(model, ckpt.tensors, folder / "model.safetensors")
        return cls(model.to(pick_device(device)), ckpt.tokenizer, taxonomy, folder.name)

    def save(self, folder: Path, config: dict, metrics: dict) -> Path:
        config = {**config, "kind": "classifier", "encoder": self.classifier.encoder.cfg.to_dict(), "topics": self.taxonomy.ids,
                  "wide_buckets": self.classifier.wide_buckets, "wide_orders": list(self.classifier.wide_orders)}
        return save_checkpoint(folder, self.classifier.state_dict(), config, self.tokenizer, metrics,
                               {"taxonomy.toml": self.taxonomy.source_text})

    def score(self, texts: list[str], max_tokens: int = 16_384, aspects: bool = True, embeddings: bool = True) -> list[Scored]:
        """One Scored per text, in input order; empty or None texts score as empty strings."""
        texts = [t or "" for t in texts]
        spans = [split_clauses(t) if aspects else [] for t in texts]
        clause_owner, clause_texts = [], []
        for i, (text, text_spans) in enumerate(zip(texts, spans)):
            if len(text_spans) > 1:
                for s, e in text_spans:
                    clause_owner.append(i)
                    clause_texts.append(text[s:e])
        sequences = encode(self.tokenizer, texts + clause_texts, self.max_len)
        logits, topic_probs, pooled = predict_logits(self.classifier, sequences, max_tokens)
        with torch.inference_mode():
            probs = self.classifier.calibrated(torch.from_numpy(logits)).numpy()
        thresholds = self.classifier.topic_threshold.cpu().numpy()
        ids = self.taxonomy.ids
        out = []
        for i in range(len(texts)):
            present = np.flatnonzero(topic_probs[i] >= thresholds)
            out.append(Scored(
                sentiment=SENTIMENTS[int(probs[i].argmax())], probs=probs[i],
                topic_scores={t: float(p) for t, p in zip(ids, topic_probs[i])},
                topics=[ids[k] for k in present], embedding=pooled[i] if embeddings else None,
            ))
            if aspects and len(spans[i]) == 1:
                s, e = spans[i][0]
                out[i].aspects = [Aspect(0, s, e, ids[k], out[i].sentiment, out[i].score) for k in present]
        clause_no: dict[int, int] = {}
        for j, owner in enumerate(clause_owner):
            row = len(texts) + j
            n = clause_no.get(owner, 0)
            clause_no[owner] = n + 1
            s, e = spans[owner][n]
            p = probs[row]
            for k in np.flatnonzero(topic_probs[row] >= thresholds):
                out[owner].aspects.append(Aspect(n, s, e, ids[k], SENTIMENTS[int(p.argmax())], float(p[POS] - p[NEG])))
        return out
