"""Batched inference: texts in, sentiment probabilities, topic scores, aspects and embeddings out.

Each review goes through the model once, length-sorted and batched by a token budget under
torch.inference_mode, and its clauses are scored from its token states, in context (models/clause_tokens.py);
results come back in input order whatever the batching. Texts are tokenised in chunks, the next chunk in a
background thread while the model computes the current one (the Rust tokenizer releases the GIL), and the
encoder's matrix products run in the precision ScoringOptions names (models/precision.py). A topic is named only with
evidence in the text, or where the head is far surer than its threshold (topic_bars).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from reviewlens.models.checkpoint import CheckpointError, load_checkpoint, load_state, save_checkpoint
from reviewlens.models.classifier import NEG, POS, SENTIMENTS, ReviewClassifier
from reviewlens.models.clause_tokens import encode_with_clauses
from reviewlens.models.clauses import conceded_in, split_clauses
from reviewlens.models.device import pick_device
from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.precision import for_scoring, resolve_precision
from reviewlens.models.predict import lexicon_scores, predict_logits, predict_with_clauses
from reviewlens.models.taxonomy import PolarityPhrases, SeedLabeller, Taxonomy, merge_polarity, parse_taxonomy
from reviewlens.models.tokenizer import encode


T = TypeVar("T")
PHRASE_SCORE = {"negative": -1.0, "positive": 1.0}     # a phrase's clause outweighs any clause the model scored
EVIDENCE_ODDS = 1000.0      # how far from its threshold, in odds, the head must be to overrule the text (topic_bars)


@dataclass
class Aspect:
    clause_no: int
    start: int
    end: int
    topic: str
    sentiment: str
    score: float            # p_positive - p_negative of the clause; -1 or 1 where a polarity phrase decided it


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

    def topic_sentiments(self) -> dict[str, str]:
        """The sentiment toward each topic named, as v_review_topics gives it: the clause with the largest |score|
        where a clause names the topic (of equals, a negative one: two polarity phrases that disagree are a
        complaint an operator must see; then the first), else the review's own sentiment."""
        strongest: dict[str, Aspect] = {}
        weight = lambda a: (abs(a.score), a.sentiment == "negative", -a.start)      # noqa: E731 (the order of sql/macros.sql aspect_strength)
        for a in self.aspects:
            if a.topic not in strongest or weight(a) > weight(strongest[a.topic]):
                strongest[a.topic] = a
        return {t: self.sentiment for t in self.topics} | {t: a.sentiment for t, a in strongest.items()}


@dataclass(frozen=True)
class ScoringOptions:
    """How scoring runs on this machine; none of it changes the model, fp32 changes no result at all."""

    precision: str = "fp32"     # encoder matmuls: fp32, bf16, int8, or auto (bf16 where the CPU has it natively)
    threads: int = 0            # torch intra-op threads for the whole process; 0 leaves torch's default (all cores)
    prefetch_texts: int = 0     # >0: texts tokenised per chunk, the next chunk in a background thread while the model
                                # computes this one (a loss where torch's threads already use every core: the two
                                # compete, see README, Performance); 0 tokenises everything first, in this thread
    batch_tokens: int = 16_384  # padded tokens per inference batch (score and predict unless told otherwise)


class ReviewModel:
    """A loaded, verified classifier checkpoint ready to score texts."""

    def __init__(self, classifier: ReviewClassifier, tokenizer, taxonomy: Taxonomy, version: str,
                 options: ScoringOptions | None = None, clauses_in_context: bool = True) -> None:
        self.classifier, self.tokenizer, self.taxonomy, self.version = classifier.eval(), tokenizer, taxonomy, version
        self.clauses_in_context = clauses_in_context        # False: each clause encoded as a text of its own
        self.max_len = classifier.encoder.cfg.max_len
        self.options = options or ScoringOptions()
        if self.options.threads > 0:
            torch.set_num_threads(self.options.threads)
        device = next(classifier.parameters()).device
        self.precision = resolve_precision(self.options.precision, device)
        self.scorer = for_scoring(self.classifier, self.precision)      # the classifier itself for fp32
        self.phrases = PolarityPhrases(taxonomy)
        self.seeds = SeedLabeller(taxonomy)
        self.clause_seeds = SeedLabeller(taxonomy, clauses=True)

    @classmethod
    def load(cls, folder: Path, device: str = "cpu", options: ScoringOptions | None = None, **fields) -> "ReviewModel":
        """A verified checkpoint, on `device` ('auto' takes CUDA when present), scoring as `options` and any
        ScoringOptions fields given by name say (ReviewModel.load(folder, precision="bf16"))."""
        options = replace(options or ScoringOptions(), **fields)
        ckpt = load_checkpoint(folder)
        if ckpt.config.get("kind") != "classifier":
            raise CheckpointError(f"{folder} is not a classifier checkpoint (kind {ckpt.config.get('kind')!r}).")
        taxonomy = parse_taxonomy((folder / "taxonomy.toml").read_text(encoding="utf-8"))
        model = ReviewClassifier(EncoderConfig(**ckpt.config["encoder"]), len(taxonomy.ids),
                                 wide_buckets=ckpt.config.get("wide_buckets", 0), wide_orders=tuple(ckpt.config.get("wide_orders", (1, 2, 3))))
        if "lexicon_keys" in ckpt.tensors:                                      # sized by the lexicon it carries
            model.set_lexicon(ckpt.tensors["lexicon_keys"], ckpt.tensors["lexicon_values"])
        load_state(model, ckpt.tensors, folder / "model.safetensors")
        return cls(model.to(pick_device(device)), ckpt.tokenizer, taxonomy, folder.name, options,
                   clauses_in_context=reads_clauses_in_context(ckpt.config))

    def save(self, folder: Path, config: dict, metrics: dict) -> Path:
        config = {**config, "kind": "classifier", "encoder": self.classifier.encoder.cfg.to_dict(), "topics": self.taxonomy.ids,
                  "wide_buckets": self.classifier.wide_buckets, "wide_orders": list(self.classifier.wide_orders)}
        return save_checkpoint(folder, self.classifier.state_dict(), config, self.tokenizer, metrics,
                               {"taxonomy.toml": self.taxonomy.source_text})

    def score(self, texts: list[str], max_tokens: int | None = None, aspects: bool = True, embeddings: bool = True) -> list[Scored]:
        """One Scored per text, in input order; empty or None texts score as empty strings.

        Each review is encoded once; the clauses of a multi-clause review are scored from its token states
        (models/clause_tokens.py). A clause the window's cut touches is encoded on its own, and so is every clause of
        a model whose clauses_in_context is False (reads_clauses_in_context). A polarity phrase of the taxonomy
        ("runs small") names its topic wherever it occurs and decides the sentiment toward that topic of the clause it
        is in, whatever the model says: ratings cannot teach what it says. Any other topic needs evidence: its seed
        words or a phrase in the text (in the clause, for a clause's topics), else a head far surer than its threshold
        (topic_bars): a head that learned the store's vertical would otherwise name "appearance" in every review of a
        store the taxonomy does not fit. A clause is named a topic without evidence only where its review is too: the
        thresholds were calibrated on whole reviews, and a short clause ("HORRIBLE") drives the head to certainty; and
        not where another clause of the review has evidence for the topic: in "The fabric is lovely. It runs small" the
        head was sure of material in "It runs small" because the review says "fabric"."""
        texts = [t or "" for t in texts]
        spans = [split_clauses(t) if aspects else [] for t in texts]
        clause_spans = [text_spans if len(text_spans) > 1 else [] for text_spans in spans]   # one clause: the review
        clauses = [(i, n, span) for i, text_spans in enumerate(clause_spans) for n, span in enumerate(text_spans)]
        clause_texts = [texts[i][s:e] for i, _, (s, e) in clauses]
        logits, topic_probs, pooled, c_logits, c_topic_probs, c_pooled, c_lexicon = self._predict_in_context(
            texts, clause_spans, max_tokens)
        topic_probs = np.concatenate([topic_probs, c_topic_probs])
        owners = np.array([i for i, _, _ in clauses], dtype=np.int64)
        with torch.inference_mode():
            review_probs = self.classifier.calibrated(torch.from_numpy(logits)).numpy()
            turns = np.array(conceded_in(texts, clause_spans), dtype=np.float32)   # (M,) clauses their writers concede
            clause_probs = self._clause_probs(c_logits, c_pooled, review_probs[owners], c_lexicon, turns)
            probs = np.concatenate([review_probs, clause_probs])
        ids = self.taxonomy.ids
        with_evidence, without = topic_bars(self.classifier.topic_threshold.cpu().numpy())
        possible = (topic_probs >= with_evidence).tolist()                      # (N + M, K) plain bools
        sure = [set(np.flatnonzero(row).tolist()) for row in topic_probs >= without]
        labels = probs.argmax(1).tolist()                                       # plain ints and floats: no numpy
        scores = (probs[:, POS] - probs[:, NEG]).tolist()                       # scalars per row in the loops below
        find = self.phrases.find if self.phrases else lambda text: {}
        in_clause = [find(text) for text in clause_texts]
        by_owner: dict[int, list[dict[int, str]]] = {}
        for (owner, _, _), found in zip(clauses, in_clause):
            by_owner.setdefault(owner, []).append(found)

        def evidence(row: int, text: str, phrased: dict[int, str], seeds: SeedLabeller = self.seeds) -> set[int]:
            """Topics a text (row of the head's outputs) gives evidence for: a phrase's, a possible one's seed words."""
            return phrased.keys() | {k for k in seeds.topics_in(text) if possible[row][k]}

        out = []
        for i, row in enumerate(topic_probs[: len(texts)].tolist()):
            phrased = merge_polarity(by_owner[i]) if i in by_owner else find(texts[i])     # a text is read once
            topics = sorted(evidence(i, texts[i], phrased) | sure[i])
            out.append(Scored(
                sentiment=SENTIMENTS[labels[i]], probs=probs[i], topic_scores=dict(zip(ids, row)),
                topics=[ids[k] for k in topics], embedding=pooled[i] if embeddings else None,
            ))
            if aspects and len(spans[i]) == 1:
                s, e = spans[i][0]
                out[i].aspects = [self._aspect(0, s, e, k, phrased, labels[i], scores[i]) for k in topics]
        in_text = [evidence(len(texts) + j, text, found, self.clause_seeds)
                   for j, (text, found) in enumerate(zip(clause_texts, in_clause))]
        in_review: dict[int, set[int]] = {}
        for (owner, _, _), found in zip(clauses, in_text):
            in_review.setdefault(owner, set()).update(found)
        for j, (owner, n, (s, e)) in enumerate(clauses):
            row, phrased = len(texts) + j, in_clause[j]
            # a topic another clause gives evidence for is that clause's, however sure the head is of this one
            for k in sorted(in_text[j] | ((sure[row] & sure[owner]) - in_review[owner])):
                out[owner].aspects.append(self._aspect(n, s, e, k, phrased, labels[row], scores[row]))
        return out

    def _aspect(self, clause_no: int, start: int, end: int, k: int, phrased: dict[int, str], label: int,
                score: float) -> Aspect:
        """Topic k in a clause: the sentiment of a polarity phrase found there, else the model's for the clause."""
        if k in phrased:
            return Aspect(clause_no, start, end, self.taxonomy.ids[k], phrased[k], PHRASE_SCORE[phrased[k]])
        return Aspect(clause_no, start, end, self.taxonomy.ids[k], SENTIMENTS[label], score)

    def predict(self, texts: list[str], max_tokens: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw sentiment logits (N, 3), topic probabilities (N, K), pooled (N, C) for texts, in input order, in
        batches of max_tokens padded tokens (default: the options' batch_tokens)."""
        max_tokens = max_tokens or self.options.batch_tokens
        work = lambda a, b: encode(self.tokenizer, texts[a:b], self.max_len)  # noqa: E731
        parts = [predict_logits(self.scorer, sequences, max_tokens) for sequences in self._chunks(work, len(texts))]
        return tuple(np.concatenate(p) for p in zip(*parts))

    def clause_readings(self, texts: list[str], clauses: list[list[tuple[int, int]]]) -> tuple[np.ndarray, ...]:
        """The calibrated probabilities (M, 3) and pooled states (M, C) of the clauses (character spans, clauses[i] of
        texts[i]; M = all of them, in text order), read in context as score reads them, before the clause reader, the
        calibrated probabilities of each one's review (M, 3) and each clause's lexicon score (M,): what the reader is
        fitted on (flows/training/clause_reader_step.py)."""
        logits, _, _, c_logits, _, c_pooled, lexicon = self._predict_in_context(texts, clauses)
        owners = [i for i, spans in enumerate(clauses) for _ in spans]
        with torch.inference_mode():
            calibrated = lambda x: self.classifier.calibrated(torch.from_numpy(x)).numpy()   # noqa: E731
            return calibrated(c_logits), c_pooled, calibrated(logits)[owners], lexicon

    def _clause_probs(self, logits: np.ndarray, pooled: np.ndarray, review_probs: np.ndarray,
                      lexicon: np.ndarray, conceded: np.ndarray) -> np.ndarray:
        """Clause probabilities (M, 3) from their raw logits (M, 3), pooled states (M, C), their reviews' calibrated
        probabilities (M, 3), their lexicon scores (M,) and whether their writers concede them (M,): calibrated as a
        review's, then read by the clause reader where the checkpoint has one."""
        probs = self.classifier.calibrated(torch.from_numpy(logits))
        return self.classifier.read_clauses(torch.from_numpy(pooled), probs, torch.from_numpy(review_probs),
                                            torch.from_numpy(lexicon), torch.from_numpy(conceded)).numpy()

    def _predict_in_context(self, texts: list[str], clauses: list[list[tuple[int, int]]],
                            max_tokens: int | None = None) -> tuple[np.ndarray, ...]:
        """predict's three arrays for the texts, then raw sentiment logits (M, 3), topic probabilities (M, K), pooled
        states (M, C) and lexicon scores (M,) of their clauses (character spans, clauses[i] of texts[i]; M = all of
        them, in text order), each text encoded once and its clauses read from its token states; a clause the
        window's cut touches is encoded on its own."""
        max_tokens = max_tokens or self.options.batch_tokens
        parts, cut = [], []
        work = lambda a, b: encode_with_clauses(self.tokenizer, texts[a:b], clauses[a:b], self.max_len)  # noqa: E731
        for sequences, token_spans in self._chunks(work, len(texts)):
            if not self.clauses_in_context:
                token_spans = [[None] * len(spans) for spans in token_spans]
            inside = [[t for t in spans if t is not None] for spans in token_spans]
            parts.append(predict_with_clauses(self.scorer, sequences, inside, max_tokens))
            cut += [t is None for spans in token_spans for t in spans]
        logits, topic_probs, pooled, *in_context = (np.concatenate(p) for p in zip(*parts))
        if any(cut):                                                            # (M,) rows: in context, else alone
            cut = np.array(cut)
            alone = [texts[i][s:e] for i, spans in enumerate(clauses) for s, e in spans]
            sequences = encode(self.tokenizer, [t for t, c in zip(alone, cut) if c], self.max_len)
            on_their_own = [*predict_logits(self.scorer, sequences, max_tokens), self._lexicon_scores(sequences)]
            in_context = [_interleave(inside, own, cut) for inside, own in zip(in_context, on_their_own)]
        return logits, topic_probs, pooled, *in_context

    def _lexicon_scores(self, sequences: list[list[int]]) -> np.ndarray:
        """Each text's lexicon score (N,); zeros for a model without a wide path (it carries no lexicon)."""
        if not self.classifier.wide_buckets:
            return np.zeros(len(sequences), dtype=np.float32)
        return lexicon_scores(self.classifier, sequences)

    def _chunks(self, work: Callable[[int, int], T], n: int) -> Iterator[T]:
        """work(start, stop) over 0..n in chunks of the options' prefetch_texts, chunk i+1 in a background thread
        while the caller computes chunk i; one chunk, in this thread, when prefetching is off or n fits in one."""
        size = self.options.prefetch_texts
        if size <= 0 or n <= size:                                              # one chunk: nothing to overlap
            yield work(0, n)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenise") as pool:
            pending = pool.submit(work, 0, size)
            for start in range(0, n, size):
                current = pending.result()
                if start + size < n:
                    pending = pool.submit(work, start + size, start + 2 * size)
                yield current


def reads_clauses_in_context(config: dict) -> bool:
    """Whether a checkpoint's clauses are scored from their review's token states: inference reads a clause as
    training did. A checkpoint that trained its clauses (multiple-instance learning) on clauses encoded as texts of
    their own, as every one before config key "clause_states" did, scores them that way; one that says
    "clause_states": "review", or never trained clauses (the demo preset), reads them in context."""
    if "clause_states" in config:
        return config["clause_states"] == "review"
    return not config.get("finetune", {}).get("clause_weight", 0)


def topic_bars(thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The head's probability (K,) a topic needs where the text has evidence for it (its seed words or a polarity
    phrase) and where it has none: the odds at its calibrated threshold divided, and multiplied, by EVIDENCE_ODDS.

    Validation cannot fit these bars: its topic labels are the seed words themselves, so there every seed word is
    right and every other naming wrong. So the text decides unless the head is a thousand times surer, in odds, than
    at the threshold it was calibrated to: it drops a seed word only where the word plainly means something else,
    and names a topic no word of the text supports only where it is all but certain. Chosen on the hand-labelled
    development reviews of four stores (the demo's, Fine Food, drugs, lenders: flows/training/data/dev_topics.jsonl,
    tests/benchmarks/data/*_dev_topics.jsonl): against a hundred times, topic micro-F1 the same or higher on each;
    the head's vetoes of seed words were wrong more often than right.

    >>> [round(float(x), 4) for bar in topic_bars(np.array([0.5])) for x in bar]
    [0.001, 0.999]
    """
    odds = thresholds.astype(np.float64) / (1.0 - thresholds)
    low, high = odds / EVIDENCE_ODDS, odds * EVIDENCE_ODDS
    return low / (1.0 + low), high / (1.0 + high)


def _interleave(inside: np.ndarray, alone: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Rows (M, ...) taken from `alone` where cut (M,) is True and from `inside` elsewhere, each in its order."""
    out = np.empty((len(cut), *inside.shape[1:]), dtype=inside.dtype)
    out[~cut], out[cut] = inside, alone
    return out
