"""Predictions of a classifier in batches: the one pass that scoring, calibration and evaluation share, so
inference never imports the training loop."""

from __future__ import annotations

import numpy as np
import torch

from reviewlens.models.batching import least_padding_batches, pad
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.device import autocast


@torch.inference_mode()
def predict_logits(model: ReviewClassifier, sequences: list[list[int]], max_tokens: int = 16_384) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw sentiment logits (N, 3), topic probabilities (N, K) and pooled embeddings (N, C), in input order."""
    model.eval()
    dev = next(model.parameters()).device
    n = len(sequences)
    s_out = np.zeros((n, 3), dtype=np.float32)
    t_out = np.zeros((n, model.topics.out_features), dtype=np.float32)
    e_out = np.zeros((n, model.encoder.cfg.d_model), dtype=np.float32)
    for batch in least_padding_batches([len(s) for s in sequences], max_tokens):
        ids, attention = pad([sequences[i] for i in batch])
        with autocast(dev):
            s_logits, t_logits, pooled = model(ids.to(dev), attention.to(dev))
        s_out[batch] = s_logits.float().cpu().numpy()
        t_out[batch] = torch.sigmoid(t_logits.float()).cpu().numpy()
        e_out[batch] = pooled.float().cpu().numpy()
    return s_out, t_out, e_out


def lexicon_scores(model: ReviewClassifier, sequences: list[list[int]], max_tokens: int = 16_384) -> np.ndarray:
    """Each text's summed lexicon valence (N,), in input order."""
    out = np.zeros(len(sequences), dtype=np.float32)
    for batch in least_padding_batches([len(s) for s in sequences], max_tokens):
        ids, attention = pad([sequences[i] for i in batch])
        with torch.no_grad():
            out[batch] = model.lexicon_score(ids, attention).numpy()
    return out
