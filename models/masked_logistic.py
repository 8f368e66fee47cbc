"""The wide path's convex fit: multinomial logistic regression whose rows may rule classes out.

scikit-learn's objective (C times the weighted log-loss, plus half the squared weights; the intercept free), solved
by L-BFGS as scikit-learn solves it, with one difference: a row is judged only over the classes it allows. A review
of a binary corpus (the Chinese corpus, IMDb: negative or positive, nothing else) says which of the two it is, not
that it is not neutral; fitted as a three-class row, every English word of 5,000 IMDb reviews learned "not neutral",
and on stores of other verticals the model all but never said neutral.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix


def fit_masked_logistic(X: csr_matrix, y: np.ndarray, allowed: np.ndarray, sample_weight: np.ndarray, c: float,
                        max_iter: int = 1_000, tol: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Weights (F, K) and intercept (K,) for rows X (N, F) of classes y (N,), each judged over allowed (N, K) only
    (its own class among them). A class no row allows keeps weights 0 and intercept 0: the caller rules it out.

    >>> X = csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    >>> W, b = fit_masked_logistic(X, np.array([0, 2, 0, 2]), np.array([[1, 0, 1]] * 4, bool), np.ones(4), 10.0)
    >>> bool(W[0, 0] > W[0, 2]) and bool(W[1, 2] > W[1, 0]), float(abs(W[:, 1]).max())    # neutral: never judged
    (True, 0.0)
    """
    n, k = X.shape[0], allowed.shape[1]
    features = X.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    weight = c * sample_weight[:, None]                                        # (N, 1)
    ruled_out = np.where(allowed, 0.0, -np.inf)                                # (N, K)
    free = allowed.any(axis=0)                                                 # (K,) classes some row is judged on
    Xt = X.T.tocsr()
    scale = c * float(sample_weight.sum())          # as scikit-learn scales it, so its tolerance means the same

    def loss_and_grad(flat: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = flat[:-k].reshape(features, k), flat[-k:]
        z = X @ W + b + ruled_out                                              # (N, K)
        top = z.max(axis=1, keepdims=True)
        log_norm = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))   # (N, 1)
        p = np.exp(z - log_norm)                                               # (N, K); 0 where ruled out
        nll = log_norm[:, 0] - np.take_along_axis(z, y[:, None], axis=1)[:, 0]
        g = weight * (p - onehot)                                              # (N, K)
        grad_W = Xt @ g + W
        grad_W[:, ~free] = 0.0
        grad_b = g.sum(axis=0) * free
        loss = float((weight[:, 0] * nll).sum() + 0.5 * (W * W).sum())
        return loss / scale, np.concatenate([grad_W.ravel(), grad_b]) / scale

    start = np.zeros(features * k + k)
    solved = minimize(loss_and_grad, start, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps})
    return solved.x[:-k].reshape(features, k), solved.x[-k:]
