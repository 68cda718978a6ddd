"""Fitting the English-only QE model that mtqa.qe.model reads: a ridge regression with sign
constraints over the features and the pooled hidden layer, and the calibration knots of
its 0-100 map.  scripts/train_qe.py fits the shipped model with it; benchmarks/qe_source.py
refits it out of fold and calibrates the source-aware combination the same way."""
from __future__ import annotations

import numpy as np

from mtqa.qe.features import FLUENCY, FORM, NAMES

LAYER = 15  # of 30: a middle layer predicted DA better than the last on held-out folds


SMOOTHING_FILE = "smoothing.npz"
CALIBRATION_LINES = 500


def write_smoothing(path) -> None:
    """The int8 calibration (``mtqa.models.lm.input_maxima``) of the fp32 SmolLM2 pass on
    the first ``CALIBRATION_LINES`` MT lines of MLQE-PE ru-en train, to ``path`` (.npz)."""
    from pathlib import Path

    from mtqa.models.lm import input_maxima, load_causal_lm
    from mtqa.qe.data import mlqe
    from mtqa.qe.lmscore import lm_pass

    lm = load_causal_lm("smollm2")
    sents = mlqe("ru", "train")["mt"][:CALIBRATION_LINES]
    maxima = input_maxima(lm.model.model.layers, lambda: lm_pass(lm, sents, pool_layers=(LAYER,)))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **{k: v.astype(np.float32) for k, v in maxima.items()})
    tmp.replace(path)


def parse_variant(variant: str) -> dict:
    """A cheaper LM pass by name, as the model file's keys (``mtqa.qe.model.PASS_KEYS``):
    ``fp32`` (the LM as it is), or parts joined by ``-``: ``int8`` (the decoder layers'
    linear layers in int8), ``int8h`` (the output layer too), ``lN`` (only the first N
    layers), ``vK`` (log-probs normalized over the first K vocabulary ids and the token),
    ``a32`` (an int8 pass's attention in float32, not float64), ``xA_B`` (layers A..B-1
    skipped), e.g. ``int8-int8h-v4096``."""
    out: dict = {}
    for part in variant.split("-"):
        if part == "fp32":
            continue
        if part == "int8":
            out["lm_int8"] = True
        elif part == "int8h":
            out["lm_int8_head"] = True
        elif part == "a32":
            out["lm_attention"] = "float32"
        elif part[:1] == "x" and "_" in part:  # x15_21: layers 15..20 skipped
            out["lm_skip"] = part[1:].replace("_", ":")
        elif part == "sq":
            out["lm_smoothing"] = SMOOTHING_FILE
        elif part[:1] in "lv" and part[1:].isdigit() and int(part[1:]) > 0:
            out["lm_layers" if part[0] == "l" else "lm_shortlist"] = int(part[1:])
        else:
            raise ValueError(f"unknown part {part!r} of LM pass {variant!r}")
    return out


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


def model_spec(X: np.ndarray, y: np.ndarray, da_mean: np.ndarray, *, alpha: float, form_min: float, name: str,
               hidden_layer: int, data: str, command: str, lm: str = "smollm2", options: dict | None = None) -> dict:
    """The model file (``mtqa.qe.model``'s format) of a ridge fitted on ``X`` (the NAMES
    features, then the pooled hidden layer) against DA z-scores ``y``, calibrated to the
    DA means; ``options``: the LM pass's keys (``mtqa.qe.model.PASS_KEYS``), if cheaper."""
    from scipy.stats import pearsonr

    from mtqa.qe.model import FORMAT

    w, b, mu, sd = fit_ridge(X, y, alpha, form_min)
    pred = ((X - mu) / sd) @ w + b
    return {
        "format": FORMAT, "name": name, "lm": lm, **(options or {}),
        "hidden_layer": hidden_layer, "features": list(NAMES),
        "mu": [float(v) for v in mu], "sd": [float(v) for v in sd], "weights": [float(v) for v in w],
        "intercept": b, "calibration": calibration_knots(pred, da_mean),
        "training": {"data": data, "alpha": alpha, "form_min": form_min,
                     "train_pearson": round(float(pearsonr(pred, y)[0]), 4), "command": command},
    }
