"""The review classifier: one shared encoder, a sentiment head (3-way softmax) and a topic head (multi-label sigmoid).

Decision calibration lives in the model as buffers, so a checkpoint carries it: a per-class logit bias
(fitted on validation for macro-F1) and a temperature (fitted on validation for log-loss).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from reviewlens.models.encoder import Encoder, EncoderConfig

SENTIMENTS = ("negative", "neutral", "positive")
NEG, NEU, POS = range(3)


class ReviewClassifier(nn.Module):
    def __init__(self, cfg: EncoderConfig, n_topics: int, head_dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = Encoder(cfg)
        self.drop = nn.Dropout(head_dropout)
        self.sentiment = nn.Linear(cfg.d_model, len(SENTIMENTS))
        self.topics = nn.Linear(cfg.d_model, n_topics)
        self.register_buffer("sentiment_bias", torch.zeros(len(SENTIMENTS)))
        self.register_buffer("temperature", torch.ones(1))
        self.register_buffer("topic_threshold", torch.full((n_topics,), 0.5))

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw sentiment logits (B, 3), topic logits (B, K) and the pooled embedding (B, C)."""
        hidden = self.encoder(ids, attention_mask)                  # (B, T, C)
        pooled = Encoder.pool(hidden, attention_mask)               # (B, C)
        x = self.drop(pooled)
        return self.sentiment(x), self.topics(x), pooled

    def calibrated(self, sentiment_logits: torch.Tensor) -> torch.Tensor:
        """Probabilities (B, 3) after the fitted bias and temperature."""
        return torch.softmax((sentiment_logits + self.sentiment_bias) / self.temperature, dim=-1)
