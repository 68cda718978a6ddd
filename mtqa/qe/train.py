"""Fitting the English-only QE model that mtqa.qe.model reads: a ridge regression with sign
constraints over the features and the pooled hidden layer, and the calibration knots of
its 0-100 map.  scripts/train_qe.py fits the shipped model with it; benchmarks/qe_source.py
refits it out of fold and calibrates the source-aware combination the same way."""
from __future__ import annotations

import numpy as np

from mtqa.qe.features import FLUENCY, FORM, NAMES

LAYER = 15  # of 30: a middle layer predicted DA better than the last on held-out folds


def fit_ridge(X: np.ndarray, y: np.ndarray, alpha: float, form_min: float) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Ridge with sign constraints: FLUENCY weights >= 0, FORM weights >= form_min, the
    hand-made features lightly penalised and the hidden-state dims by ``alpha``.  Returns
    (weights, intercept, feature means, feature scales)."""
    from scipy.optimize import lsq_linear  # delayed: only training needs scipy

    mu, sd = X.mean(0), X.std(0) + 1e-6
    Z = (X - mu) / sd
    d = Z.shape[1]
    pen = np.full(d, np.sqrt(alpha))
    pen[: len(NAMES)] = 1.0
    lb = np.full(d, -np.inf)
    lb[: len(FLUENCY)] = 0.0
    lb[len(FLUENCY) : len(FLUENCY) + len(FORM)] = form_min
    A = np.vstack([Z, np.diag(pen)])
    t = np.concatenate([y - y.mean(), np.zeros(d)])
    w = lsq_linear(A, t, bounds=(lb, np.full(d, np.inf))).x
    return w, float(y.mean()), mu, sd


def calibration_knots(pred: np.ndarray, da_mean: np.ndarray, n: int = 51) -> dict:
    """Quantile map: the q-th quantile of train predictions -> the q-th quantile of the
    human DA (0-100), made strictly increasing so the score never ties two predictions
    (mtqa.qe.model.calibrate applies it)."""
    q = np.linspace(0, 100, n)
    xs = np.percentile(pred, q)
    ys = np.percentile(da_mean, q)
    ys = np.maximum.accumulate(ys + np.arange(n) * 1e-3)
    return {"pred": [round(float(v), 6) for v in xs], "score": [round(float(v), 4) for v in ys]}
