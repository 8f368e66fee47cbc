"""The review classifier: a shared encoder, a sentiment head (3-way softmax), a topic head (multi-label
sigmoid), and a wide linear path over hashed n-grams added to both heads' logits (Wide & Deep).

The wide path is a linear model over the text's n-gram bag, trained jointly with the encoder: it keeps
what a bag-of-words model gets right, and the encoder learns what context adds (negation, contrast).
`clause_attention` scores clauses for multiple-instance learning: a review's sentiment is the
attention-weighted mix of its clauses' sentiments (MILNET), which teaches clause sentiment from review labels.

Decision calibration lives in the model as buffers, so a checkpoint carries it: a per-class logit bias
(fitted on validation for macro-F1), a temperature (for log-loss) and per-topic thresholds.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from reviewlens.models.encoder import Encoder, EncoderConfig
from reviewlens.models.ngrams import ngram_bag

SENTIMENTS = ("negative", "neutral", "positive")
NEG, NEU, POS = range(3)


class ReviewClassifier(nn.Module):
    def __init__(self, cfg: EncoderConfig, n_topics: int, head_dropout: float = 0.1, wide_buckets: int = 0,
                 wide_orders: tuple[int, ...] = (1, 2, 3), wide_dim: int = 64) -> None:
        super().__init__()
        self.encoder = Encoder(cfg)
        self.drop = nn.Dropout(head_dropout)
        self.sentiment = nn.Linear(cfg.d_model, len(SENTIMENTS))
        self.topics = nn.Linear(cfg.d_model, n_topics)
        self.clause_attention = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_model // 2), nn.Tanh(), nn.Linear(cfg.d_model // 2, 1))
        self.wide_buckets, self.wide_orders = wide_buckets, tuple(wide_orders)
        if wide_buckets:
            # fastText's low-rank linear model: mean of the n-grams' vectors, then one linear map to the logits
            # (the map starts at zero so the deep path is not drowned at step 0)
            self.wide = nn.ModuleDict({"bag": nn.EmbeddingBag(wide_buckets, wide_dim, mode="mean", padding_idx=0),
                                       "out": nn.Linear(wide_dim, len(SENTIMENTS) + n_topics)})
            nn.init.normal_(self.wide["bag"].weight, std=0.1)
            nn.init.zeros_(self.wide["out"].weight), nn.init.zeros_(self.wide["out"].bias)
        self.register_buffer("sentiment_bias", torch.zeros(len(SENTIMENTS)))
        self.register_buffer("temperature", torch.ones(1))
        self.register_buffer("topic_threshold", torch.full((n_topics,), 0.5))

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw sentiment logits (B, 3), topic logits (B, K) and the pooled embedding (B, C)."""
        hidden = self.encoder(ids, attention_mask)                  # (B, T, C)
        pooled = Encoder.pool(hidden, attention_mask)               # (B, C)
        x = self.drop(pooled)
        s_logits, t_logits = self.sentiment(x), self.topics(x)      # (B, 3), (B, K)
        if self.wide_buckets:
            bag = self.wide["bag"](ngram_bag(ids, attention_mask, self.wide_orders, self.wide_buckets))  # (B, D)
            wide = self.wide["out"](bag)                                                          # (B, 3 + K)
            s_logits = s_logits + wide[:, : len(SENTIMENTS)]
            t_logits = t_logits + wide[:, len(SENTIMENTS):]
        return s_logits, t_logits, pooled

    def mil_logits(self, clause_logits: torch.Tensor, clause_pooled: torch.Tensor, owner: torch.Tensor, n_reviews: int) -> torch.Tensor:
        """Review sentiment logits (R, 3) as the attention-weighted mix of their clauses' logits (N, 3); owner (N,) in 0..R-1."""
        score = self.clause_attention(clause_pooled).squeeze(-1)                          # (N,)
        top = torch.full((n_reviews,), float("-inf"), device=score.device).scatter_reduce(0, owner, score, "amax")
        weight = torch.exp(score - top[owner])                                            # (N,) softmax within a review
        total = torch.zeros(n_reviews, device=score.device).index_add(0, owner, weight)   # (R,)
        weight = weight / total[owner]
        return torch.zeros(n_reviews, clause_logits.shape[1], device=score.device).index_add(0, owner, weight[:, None] * clause_logits)

    def calibrated(self, sentiment_logits: torch.Tensor) -> torch.Tensor:
        """Probabilities (B, 3) after the fitted bias and temperature."""
        return torch.softmax((sentiment_logits + self.sentiment_bias) / self.temperature, dim=-1)
