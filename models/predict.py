"""Predictions of a classifier in batches: the one pass that scoring, calibration and evaluation share, so
inference never imports the training loop. predict_with_clauses also reads each review's clauses from the review's
own encoding (models/clause_tokens.py), so a clause is scored in context and no text is encoded twice."""

from __future__ import annotations

import numpy as np
import torch

from reviewlens.models.batching import least_padding_batches, pad
from reviewlens.models.classifier import ReviewClassifier
from reviewlens.models.device import autocast
from reviewlens.models.encoder import Encoder
from reviewlens.models.tokenizer import PAD_ID


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


@torch.inference_mode()
def predict_with_clauses(model: ReviewClassifier, sequences: list[list[int]], clauses: list[list[tuple[int, int]]],
                         max_tokens: int = 16_384) -> tuple[np.ndarray, ...]:
    """predict_logits' three arrays for the texts, the same numbers, then raw sentiment logits (M, 3), topic
    probabilities (M, K), pooled states (M, C) and lexicon scores (M,) of their clauses, M = all clauses in text order:
    clauses[i] lists the token spans [a, b) of text i's clauses in sequences[i]. A clause's state is the mean of its
    tokens' states in the text's encoding (Encoder.pool, as a text's); its wide path and lexicon read its own n-grams
    only (zero scores for a model without a wide path, which carries no lexicon)."""
    model.eval()
    dev = next(model.parameters()).device
    n, m = len(sequences), sum(map(len, clauses))
    k, c = model.topics.out_features, model.encoder.cfg.d_model
    s_out, t_out, e_out = np.zeros((n, 3), np.float32), np.zeros((n, k), np.float32), np.zeros((n, c), np.float32)
    cs_out, ct_out, ce_out = np.zeros((m, 3), np.float32), np.zeros((m, k), np.float32), np.zeros((m, c), np.float32)
    cl_out = np.zeros(m, np.float32)
    first = np.cumsum([0] + [len(spans) for spans in clauses])                  # (N + 1,) text i's clauses: first[i]..
    for batch in least_padding_batches([len(s) for s in sequences], max_tokens):
        ids, attention = pad([sequences[i] for i in batch])                      # (B, T)
        ids, attention = ids.to(dev), attention.to(dev)
        with autocast(dev):
            hidden = model.encoder(ids, attention)                               # (B, T, C)
            s_logits, t_logits, pooled = model.heads(hidden, ids, attention)     # as ReviewClassifier.forward
            s_out[batch] = s_logits.float().cpu().numpy()
            t_out[batch] = torch.sigmoid(t_logits.float()).cpu().numpy()
            e_out[batch] = pooled.float().cpu().numpy()
            rows = [(b, a, z) for b, i in enumerate(batch) for a, z in clauses[i]]
            if not rows:
                continue
            c_pooled, c_ids, mask = span_inputs(hidden, ids, *torch.tensor(rows, device=dev).T)   # (M_b, C), (M_b, L)
            at = np.concatenate([np.arange(first[i], first[i + 1]) for i in batch])       # (M_b,) rows of the output
            reading = model.read_lexicon(c_ids, mask) if model.wide_buckets else None          # read once
            cs_out[at] = model.sentiment_logits(c_pooled, c_ids, mask, reading).float().cpu().numpy()
            ct_out[at] = torch.sigmoid(model.topics(model.drop(c_pooled)).float()).cpu().numpy()
            ce_out[at] = c_pooled.float().cpu().numpy()
            if reading is not None:
                cl_out[at] = reading.score.float().cpu().numpy()
    return s_out, t_out, e_out, cs_out, ct_out, ce_out, cl_out


def span_inputs(hidden: torch.Tensor, ids: torch.Tensor, owner: torch.Tensor, start: torch.Tensor,
                stop: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What ReviewClassifier.sentiment_logits takes for spans of encoded texts: the pooled state (M, C) of each span's
    tokens, and its ids (M, L) with their mask (M, L), left-aligned in rows as wide as the longest span, so the wide
    path and the lexicon read the span's n-grams only, at a span's cost rather than its text's. hidden (B, T, C) and
    ids (B, T) are the texts'; span m is tokens start[m]..stop[m]-1 of text owner[m] (each (M,))."""
    steps = torch.arange(int((stop - start).max()), device=ids.device)                   # (L,)
    mask = (steps < (stop - start)[:, None]).long()                                      # (M, L)
    where = (start[:, None] + steps).clamp(max=ids.shape[1] - 1)                         # (M, L) places in the text
    span_ids = torch.where(mask.bool(), ids[owner[:, None], where], PAD_ID)              # (M, L)
    return Encoder.pool(hidden[owner[:, None], where], mask), span_ids, mask


def lexicon_scores(model: ReviewClassifier, sequences: list[list[int]], max_tokens: int = 16_384) -> np.ndarray:
    """Each text's summed lexicon valence (N,), in input order."""
    out = np.zeros(len(sequences), dtype=np.float32)
    for batch in least_padding_batches([len(s) for s in sequences], max_tokens):
        ids, attention = (t.to(model.lexicon_keys.device) for t in pad([sequences[i] for i in batch]))
        with torch.no_grad():
            out[batch] = model.lexicon_score(ids, attention).float().cpu().numpy()
    return out
