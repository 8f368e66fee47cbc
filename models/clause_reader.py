"""The clause reader: a clause's sentiment read again from its state in its review and from what the review-level
model says of it and of its review, by a linear model fitted on clauses labelled by hand.

Why: the review-level model learns from star ratings of whole reviews, and its mix, bias and temperature are fitted
on whole reviews. A clause of a mixed review is not a review: "it runs small" sits in reviews of 4 and 5 stars far
more often than in complaints, so nothing rating-trained calls it negative. The encoder's state of the clause in its
review does carry what the clause is about and how it is said; a multinomial logistic regression over that state, the
model's own log-probabilities for the clause and those for the whole review, and the clause's lexicon score, fitted
on a couple of thousand clauses read by people, turns it into a clause sentiment. The review's reading is there
because how far a clause follows its review is a property of the corpus: the demo's Chinese reviews are of one mind
(on the development clauses the review's sentiment copied onto its clauses is right for most Chinese clauses, far
fewer English ones). The lexicon score is there because the review-level model leans to the class of the reviews a
phrase sits in: "the fabric is lovely" read neutral, and a reader that seldom says neutral made it a complaint;
"lovely" is praise in any review. A clause its writer concedes ("the fabric is lovely" before "but it runs small")
gets those readings again as features of their own (`turn_features`): the review's reading is the conclusion that
follows the concession, so a conceded clause follows it less (refitted on one demo model's development clauses,
5-fold: accuracy 0.809 -> 0.816, conceded clauses 0.638 -> 0.717; development aspect accuracy of four stores level).
It is a convex fit of C + 16 weights per class on fixed features, so a couple of thousand clauses suffice and the
encoder is left as trained. A reader of zeros is "not fitted": the clause keeps the model's probabilities.
"""

from __future__ import annotations

import numpy as np
import torch

CLASSES = 3                 # negative, neutral, positive
NEG, NEU, POS = 0, 1, 2     # classifier's; classifier imports this module, so they are not imported back
STRENGTH = 0.1              # inverse L2 strength (scikit-learn's C); 0.01 to 1 read the demo dev clauses alike (5-fold)
SHIFTS = np.arange(0.0, 1.51, 0.125)   # negative log-odds shifts complaint_shift chooses from
TURN_FEATURES = 2 * CLASSES + 2        # a conceded clause's own readings again: review and clause log-probs, lexicon, 1


def reader_features(pooled: torch.Tensor, probs: torch.Tensor, review_probs: torch.Tensor, lexicon: torch.Tensor,
                    conceded: torch.Tensor | None = None) -> torch.Tensor:
    """What the reader reads (M, C + 15): each clause's pooled state in its review (M, C), the log of the model's
    calibrated probabilities for it (M, 3) and the log of those for its review (M, 3), its lexicon score (M,), and
    turn_features (M, 8) of whether its writer concedes it (M,; models/clauses.conceded; None: no clause is)."""
    lexicon = lexicon.float()[:, None].to(pooled.device)                                  # (M, 1)
    own = torch.cat([_log(probs), _log(review_probs), lexicon], dim=1)                    # (M, 7)
    if conceded is None:
        conceded = torch.zeros(len(pooled))
    flag = conceded.float()[:, None].to(pooled.device)                                    # (M, 1)
    return torch.cat([pooled.float(), own, flag * own, flag], dim=1)


def _log(probs: torch.Tensor) -> torch.Tensor:
    return probs.float().clamp_min(1e-6).log()


def fit_clause_reader(pooled: np.ndarray, probs: np.ndarray, review_probs: np.ndarray, lexicon: np.ndarray,
                      labels: np.ndarray, strength: float = STRENGTH, negative_shift: float = 0.0,
                      conceded: np.ndarray | None = None) -> torch.Tensor:
    """The reader (3, C + 16): per class, weights over reader_features and a bias in the last column, fitted on
    clauses with pooled states (M, C), calibrated probabilities of the clause and of its review (M, 3 each), lexicon
    scores (M,), hand labels (M,) in 0..2 and whether each is conceded (M,), the negative class's bias raised by
    negative_shift (complaint_shift). Every class must occur."""
    from sklearn.linear_model import LogisticRegression

    if set(np.unique(labels).tolist()) != set(range(CLASSES)):
        raise ValueError(f"the clause reader needs clauses of all {CLASSES} sentiments, got {sorted(set(labels.tolist()))}")
    x = reader_features(*(torch.from_numpy(a) for a in (pooled, probs, review_probs, lexicon)),
                        None if conceded is None else torch.from_numpy(conceded)).numpy()
    fit = LogisticRegression(C=strength, max_iter=5_000).fit(x, labels)
    reader = np.hstack([fit.coef_, fit.intercept_[:, None]]).astype(np.float32)
    reader[NEG, -1] += negative_shift
    return torch.from_numpy(reader)


def read_clauses(reader: torch.Tensor, pooled: torch.Tensor, probs: torch.Tensor, review_probs: torch.Tensor,
                 lexicon: torch.Tensor, conceded: torch.Tensor | None = None) -> torch.Tensor:
    """Clause probabilities (M, 3) as the reader (3, C + 16) reads them from pooled states (M, C), the model's
    calibrated probabilities of each clause and of its review (M, 3 each), the clauses' lexicon scores (M,) and
    whether each is conceded (M,); the probabilities unchanged where the reader is all zeros (never fitted)."""
    if not bool(reader.any()):
        return probs
    weight, bias = reader[:, :-1].to(probs.device), reader[:, -1].to(probs.device)         # (3, C + 15), (3,)
    return torch.softmax(reader_features(pooled, probs, review_probs, lexicon, conceded) @ weight.T + bias, dim=-1)


def corroborated(probs: torch.Tensor, review_probs: torch.Tensor, lexicon: torch.Tensor) -> torch.Tensor:
    """Clause probabilities (M, 3) where a clause reading (M, 3) that turns against its review's (M, 3) stands only
    where the clause's lexicon score (M,) turns the same way (negative below 0, positive above; neutral always
    stands); elsewhere the clause keeps its review's probabilities.

    Why: the portable reader serves stores of verticals its clauses never came from, and there the model's reading of a
    clause is the weaker witness: unguarded it called "This arrived quickly and fresh" and "Came in short time
    shipping" complaints in five-star Fine Food reviews. On the development reviews of three such stores (food, drugs,
    lenders: tests/benchmarks/data/*_dev_topics.jsonl, 917 gold pairs) aspect accuracy is 0.513 unguarded and 0.548
    guarded, against 0.558 for the review's sentiment kept on every clause; the guard finds 139 of the 265 negative
    aspects, keeping the review's 117. It trades a point of accuracy for a fifth more complaints found.

    >>> corroborated(torch.tensor([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1]]),
    ...              torch.tensor([[0.1, 0.1, 0.8]] * 3), torch.tensor([0.0, -0.5, 0.0]))
    tensor([[0.1000, 0.1000, 0.8000],
            [0.8000, 0.1000, 0.1000],
            [0.1000, 0.8000, 0.1000]])
    """
    said, review = probs.argmax(1), review_probs.argmax(1)                                # (M,), (M,)
    lexicon = lexicon.to(probs.device)
    stands = (said == review) | (said == NEU) | ((said == NEG) & (lexicon < 0)) | ((said == POS) & (lexicon > 0))
    return torch.where(stands[:, None], probs, review_probs.to(probs.dtype))


def held_out_readings(pooled: np.ndarray, probs: np.ndarray, review_probs: np.ndarray, lexicon: np.ndarray,
                      labels: np.ndarray, folds: int = 5, strength: float = STRENGTH,
                      conceded: np.ndarray | None = None) -> np.ndarray:
    """Each clause's reader probabilities (M, 3) from a reader fitted on the other folds: what the reader is worth on
    clauses it did not see, for the model card."""
    order = np.random.default_rng(0).permutation(len(labels))
    out = np.zeros((len(labels), CLASSES), dtype=np.float32)
    conceded = np.zeros(len(labels), dtype=np.float32) if conceded is None else conceded.astype(np.float32)
    for fold in np.array_split(order, folds):
        rest = np.setdiff1d(order, fold)
        reader = fit_clause_reader(pooled[rest], probs[rest], review_probs[rest], lexicon[rest], labels[rest], strength,
                                   conceded=conceded[rest])
        part = (torch.from_numpy(a[fold]) for a in (pooled, probs, review_probs, lexicon, conceded))
        out[fold] = read_clauses(reader, *part).numpy()
    return out


def lean_negative(probs: np.ndarray, shift: float) -> np.ndarray:
    """Probabilities (M, 3) with `shift` added to the negative class's log-odds, renormalised."""
    out = probs.astype(np.float64) * np.exp(np.eye(CLASSES)[NEG] * shift)
    return (out / out.sum(1, keepdims=True)).astype(np.float32)


def complaint_shift(held_out: np.ndarray, labels: np.ndarray, shifts: np.ndarray = SHIFTS) -> float:
    """The negative log-odds shift the reader decides with: the largest of `shifts` whose accuracy on held-out
    readings (M, 3) of labelled clauses (M,) is within one standard error of the best shift's.

    Why: a missed complaint costs an operator more than a false alarm, and over a range of shifts the held-out
    clauses cannot tell the decisions apart by accuracy (on the demo's development clauses, 0 to 0.5 all read 0.786 to
    0.789 while negative recall rose 0.785 to 0.859). Of the decisions accuracy cannot separate, take the one that
    misses the fewest complaints: the one-standard-error rule (Breiman et al., 1984), leaning toward complaints.

    >>> complaint_shift(np.array([[0.45, 0.05, 0.5], [0.2, 0.1, 0.7]]), np.array([0, 2]), np.array([0.0, 0.5, 3.0]))
    0.5
    """
    accuracy = np.array([(lean_negative(held_out, s).argmax(1) == labels).mean() for s in shifts])
    best = accuracy.max()
    error = np.sqrt(best * (1 - best) / max(len(labels), 1))
    return float(shifts[np.flatnonzero(accuracy >= best - error).max()])
