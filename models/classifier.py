"""The review classifier: a shared encoder, a sentiment head (3-way softmax), a topic head (multi-label
sigmoid), and a wide linear path over hashed n-grams added to the sentiment logits (Wide & Deep).

The wide path is a linear model over the TF-IDF of the text's hashed token n-grams (Chinese characters,
English words), fitted by regularised logistic regression: it keeps what a bag-of-words model gets right.
The deep part is trained on its own, and the two are mixed by weights fitted on validation (`mix`), so the
encoder adds what context gives (negation, contrast) without the linear model's fit starving it of signal.
`clause_attention` scores clauses for multiple-instance learning: a review's sentiment is the
attention-weighted mix of its clauses' sentiments (MILNET), which teaches clause sentiment from review labels.

Decision calibration lives in the model as buffers, so a checkpoint carries it: a per-class logit bias
(fitted on validation for macro-F1), a temperature (for log-loss), per-topic thresholds and the clause reader that
turns a clause's state into its sentiment (fitted on hand-labelled validation clauses).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from reviewlens.models.clause_reader import TURN_FEATURES, corroborated, read_clauses
from reviewlens.models.encoder import Encoder, EncoderConfig
from reviewlens.models.lexicon import LexiconReading, negation_scope, read_lexicon
from reviewlens.models.ngrams import ngram_bag

SENTIMENTS = ("negative", "neutral", "positive")
NEG, NEU, POS = range(3)


class ReviewClassifier(nn.Module):
    def __init__(self, cfg: EncoderConfig, n_topics: int, head_dropout: float = 0.1, wide_buckets: int = 0,
                 wide_orders: tuple[int, ...] = (1, 2, 3)) -> None:
        super().__init__()
        self.encoder = Encoder(cfg)
        self.drop = nn.Dropout(head_dropout)
        self.sentiment = nn.Linear(cfg.d_model, len(SENTIMENTS))
        self.topics = nn.Linear(cfg.d_model, n_topics)
        self.clause_attention = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_model // 2), nn.Tanh(), nn.Linear(cfg.d_model // 2, 1))
        self.wide_buckets, self.wide_orders = wide_buckets, tuple(wide_orders)
        self.use_wide = True                                        # off while the deep part trains on its own
        if wide_buckets:
            # a linear model over the L2-normalised TF-IDF of the text's hashed n-grams, fitted like the
            # bag-of-words baseline (finetune.fit_wide); its IDF comes from the training texts
            self.wide = nn.EmbeddingBag(wide_buckets, len(SENTIMENTS), mode="sum")
            nn.init.zeros_(self.wide.weight)
            self.register_buffer("wide_intercept", torch.zeros(len(SENTIMENTS)))
            self.register_buffer("wide_idf", torch.ones(wide_buckets).index_fill_(0, torch.tensor([0]), 0.0))
            # a sentiment lexicon as sorted n-gram hashes (E,) and valences (E,) (models/lexicon.py; `set_lexicon`), and
            # the sentiment logits (3,) one unit of a text's summed valence adds: zero until fitted on validation
            self.register_buffer("lexicon_keys", torch.zeros(0, dtype=torch.long))
            self.register_buffer("lexicon_values", torch.zeros(0))
            self.register_buffer("lexicon_weight", torch.zeros(len(SENTIMENTS)))
            self.register_buffer("coverage_gate", torch.zeros(1))    # 1: the wide path's say scales with coverage
            # 1: the lexicon speaks on every text; 0 (a checkpoint from before): only on the share the gate takes from
            # the wide path, as its lexicon weight was fitted
            self.register_buffer("lexicon_everywhere", torch.zeros(1))
            # 1: an n-gram a negator of the lexicon reaches is a feature of its own (lexicon.negation_scope)
            self.register_buffer("negation_marks", torch.zeros(1))
            # 1: an n-gram's term frequency enters as 1 + log(tf), as the baseline's (TfidfVectorizer(sublinear_tf=True));
            # 0 (a checkpoint from before): raw counts
            self.register_buffer("wide_sublinear", torch.zeros(1))
            self._seen: tuple[int, torch.Tensor] | None = None      # (weight version, buckets the wide fit saw)
        self.register_buffer("mix", torch.ones(2))                  # weights of the deep and wide sentiment logits
        self.register_buffer("sentiment_bias", torch.zeros(len(SENTIMENTS)))
        self.register_buffer("temperature", torch.ones(1))
        self.register_buffer("topic_threshold", torch.full((n_topics,), 0.5))
        # the clause reader (models/clause_reader.py): per class, weights over a clause's pooled state and log
        # probabilities, and a bias (3, C + 4), weights over its review's log probabilities (3, 3) and over its
        # lexicon score (3, 1), kept apart so that a checkpoint saved before the later ones loads with them zero;
        # zeros until fitted
        self.register_buffer("clause_reader", torch.zeros(len(SENTIMENTS), cfg.d_model + len(SENTIMENTS) + 1))
        self.register_buffer("clause_reader_review", torch.zeros(len(SENTIMENTS), len(SENTIMENTS)))
        self.register_buffer("clause_reader_lexicon", torch.zeros(len(SENTIMENTS), 1))
        # and over a conceded clause's readings again (clause_reader.reader_features; zero in a checkpoint from before)
        self.register_buffer("clause_reader_turn", torch.zeros(len(SENTIMENTS), TURN_FEATURES))
        # 1: a clause reading that turns against its review stands only where the lexicon agrees (a portable reader,
        # clause_reader.corroborated)
        self.register_buffer("clause_guard", torch.zeros(1))

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw sentiment logits (B, 3), topic logits (B, K) and the pooled embedding (B, C)."""
        return self.heads(self.encoder(ids, attention_mask), ids, attention_mask)

    def heads(self, hidden: torch.Tensor, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """forward's outputs from the encoder's states (B, T, C): for callers that read the states again (clauses)."""
        pooled = Encoder.pool(hidden, attention_mask)               # (B, C)
        return self.sentiment_logits(pooled, ids, attention_mask), self.topics(self.drop(pooled)), pooled

    def sentiment_logits(self, pooled: torch.Tensor, ids: torch.Tensor, attention_mask: torch.Tensor,
                         reading: LexiconReading | None = None) -> torch.Tensor:
        """Raw sentiment logits (B, 3) of texts, or of spans of them: `pooled` (B, C) is the encoder's pooled state of
        what `attention_mask` (B, T) marks of `ids` (B, T), so a clause pooled from its review's encoding gets the
        deep, wide and lexicon parts of that clause alone; `reading`: what read_lexicon gives for them, where the
        caller has read it already."""
        s_logits = self.sentiment(self.drop(pooled)) * self.mix[0]                 # (B, 3)
        if self.wide_buckets and self.use_wide:
            if reading is None:
                reading = self.read_lexicon(ids, attention_mask)
            bag = self.bag(ids, attention_mask, reading.matches)                   # (B, L)
            familiar = 1 - self.coverage_gate * (1 - self.coverage(bag)[:, None])  # (B, 1); 1 with the gate off
            lexicon = reading.score[:, None] * self.lexicon_weight                 # (B, 3)
            say = self.lexicon_everywhere + (1 - self.lexicon_everywhere) * (1 - familiar)   # (B, 1)
            s_logits = s_logits + familiar * self.mix[1] * self.wide_logits(bag) + say * lexicon
            s_logits = s_logits + self.never_seen                                  # (B, 3)
        return s_logits

    def bag(self, ids: torch.Tensor, attention_mask: torch.Tensor,
            matches: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """The n-gram buckets (B, L) the wide path reads; 0 = none. `matches`: the lexicon's, where read already."""
        negated = None
        if self.negation_marks.item():
            negated = negation_scope(ids, attention_mask, self.lexicon_keys, self.lexicon_values, self.wide_orders,
                                     matches)
        return ngram_bag(ids, attention_mask, self.wide_orders, self.wide_buckets, negated)

    def wide_logits(self, bag: torch.Tensor) -> torch.Tensor:
        """The wide path's sentiment logits (B, 3): a linear model over each n-gram's L2-normalised tf-idf."""
        return self.wide(bag, per_sample_weights=self.wide_weights(bag)) + self.wide_intercept.masked_fill(self.never_seen < 0, 0.0)

    def wide_weights(self, bag: torch.Tensor) -> torch.Tensor:
        """Each n-gram occurrence's share (B, L) of its text's L2-normalised tf-idf: the wide path's input, in training
        and scoring alike (the occurrences of one n-gram sum to its tf-idf). With sublinear term frequency an n-gram
        said five times weighs 1 + log 5, not 5: a review that tells its story ("the pain", "the film") five times
        is not pushed by those words five times as hard. Fitted on raw counts, the wide path alone read 70% of
        Rotten Tomatoes snippets as negative where 42% are."""
        idf = self.wide_idf[bag]                                                   # (B, L) idf, 0 for bucket 0
        if not self.wide_sublinear.item():
            return idf / idf.norm(dim=1, keepdim=True).clamp(min=1e-6)
        rows = torch.arange(bag.shape[0], device=bag.device)[:, None]
        _, where, counts = torch.unique(rows * self.wide_buckets + bag, return_inverse=True, return_counts=True)
        tf = counts[where].to(idf.dtype)                                           # (B, L) the n-gram's count in its text
        share = idf * (1 + torch.log(tf)) / tf                                     # (B, L) summing to idf * (1 + log tf)
        norm = (share.pow(2) * tf).sum(dim=1, keepdim=True).sqrt()                 # (B, 1) the L2 norm over distinct n-grams
        return share / norm.clamp(min=1e-6)

    @property
    def never_seen(self) -> torch.Tensor:
        """Logit offsets (3,): -1e4 for a class the wide fit never saw in training (never predicted), else 0."""
        return torch.where(self.wide_intercept <= -1e3, self.wide_intercept, torch.zeros_like(self.wide_intercept))

    def coverage(self, bag: torch.Tensor) -> torch.Tensor:
        """Share (B,) of each text's n-grams that occurred in the wide fit's training texts. The wide path's say is
        scaled by it: on text of unfamiliar words neither the n-gram weights nor the intercept (the training data's
        class balance) decide, and the deep part and the lexicon, which know words of any vertical, speak instead."""
        present = bag > 0
        return (self.seen_buckets()[bag] & present).sum(1) / present.sum(1).clamp(min=1)

    def seen_buckets(self) -> torch.Tensor:
        """Buckets (buckets,) the wide fit gave a weight: those n-grams occurred in its training texts."""
        version = self.wide.weight._version
        if self._seen is None or self._seen[0] != version or self._seen[1].device != self.wide.weight.device:
            self._seen = (version, (self.wide.weight != 0).any(dim=1))
        return self._seen[1]

    def set_lexicon(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Carry a lexicon (models/lexicon.lexicon_table); its size is the lexicon's, so a checkpoint sets it first."""
        self.lexicon_keys = keys.to(self.lexicon_keys.device, torch.long)
        self.lexicon_values = values.to(self.lexicon_values.device, torch.float32)

    def read_lexicon(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> LexiconReading:
        """The texts' lexicon matches and scores (models/lexicon.read_lexicon)."""
        return read_lexicon(ids, attention_mask, self.lexicon_keys, self.lexicon_values, self.wide_orders)

    def lexicon_score(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The text's summed lexicon valence (B,)."""
        return self.read_lexicon(ids, attention_mask).score

    def mil_logits(self, clause_logits: torch.Tensor, clause_pooled: torch.Tensor, owner: torch.Tensor, n_reviews: int) -> torch.Tensor:
        """Review sentiment logits (R, 3) as the attention-weighted mix of their clauses' logits (N, 3); owner (N,) in 0..R-1."""
        score = self.clause_attention(clause_pooled).squeeze(-1)                          # (N,)
        top = torch.full((n_reviews,), float("-inf"), device=score.device).scatter_reduce(0, owner, score, "amax")
        weight = torch.exp(score - top[owner])                                            # (N,) softmax within a review
        total = torch.zeros(n_reviews, device=score.device).index_add(0, owner, weight)   # (R,)
        weight = weight / total[owner]
        return torch.zeros(n_reviews, clause_logits.shape[1], device=score.device).index_add(0, owner, weight[:, None] * clause_logits)

    def calibrated(self, sentiment_logits: torch.Tensor) -> torch.Tensor:
        """Probabilities (B, 3) after the fitted bias and temperature, on the logits' device."""
        bias, temperature = self.sentiment_bias.to(sentiment_logits.device), self.temperature.to(sentiment_logits.device)
        return torch.softmax((sentiment_logits + bias) / temperature, dim=-1)

    @property
    def reader(self) -> torch.Tensor:
        """The clause reader as models/clause_reader.py reads it (3, C + 16), from the four buffers that keep it."""
        return torch.cat([self.clause_reader[:, :-1], self.clause_reader_review, self.clause_reader_lexicon,
                          self.clause_reader_turn, self.clause_reader[:, -1:]], dim=1)

    def set_reader(self, reader: torch.Tensor) -> None:
        """Keep a fitted reader (3, C + 16) (models/clause_reader.fit_clause_reader) in the four buffers."""
        clause, review, lexicon, turn, bias = reader.split(
            [self.clause_reader.shape[1] - 1, len(SENTIMENTS), 1, TURN_FEATURES, 1], dim=1)
        self.clause_reader.copy_(torch.cat([clause, bias], dim=1))
        self.clause_reader_review.copy_(review)
        self.clause_reader_lexicon.copy_(lexicon)
        self.clause_reader_turn.copy_(turn)

    def read_clauses(self, pooled: torch.Tensor, probs: torch.Tensor, review_probs: torch.Tensor,
                     lexicon: torch.Tensor, conceded: torch.Tensor | None = None) -> torch.Tensor:
        """Clause probabilities (M, 3) as the clause reader reads each clause's pooled state in its review (M, C), its
        calibrated probabilities and its review's (M, 3 each), its lexicon score (M,) and whether its writer concedes
        it (M,); unchanged while the reader is not fitted; a turn against the review corroborated by the lexicon
        where clause_guard is set."""
        read = read_clauses(self.reader, pooled, probs, review_probs, lexicon, conceded)
        return corroborated(read, review_probs, lexicon) if self.clause_guard.item() else read
