"""The sentence quality estimator: one SmolLM2 pass per batch gives token log-probs
(fluency features) and a mean-pooled hidden layer (what kind of text it is); a linear
model trained on MLQE-PE predicts the human DA z-score, and a monotone map turns that
into a 0-100 score on the DA scale.

The model file is JSON (weights, feature scaling, calibration knots): no pickle, readable
by any numpy version.  ``scripts/train_qe.py`` writes it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from mtqa.errors import ToolError
from mtqa.qe.features import NAMES, feature_matrix, word_logprobs
from mtqa.qe.lmscore import TokenScores, lm_pass, token_logprobs
from mtqa.types import Finding

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "qe"
FORMAT = 1


class LinearQE:
    """The fitted parameters; pure numpy, no model needed (benchmarks feed it cached parts)."""

    def __init__(self, spec: dict):
        if spec.get("format") != FORMAT or spec.get("features") != list(NAMES):
            raise ToolError("QE model file does not match this mtqa's feature definitions; retrain it")
        self.spec = spec
        self.mu = np.asarray(spec["mu"], dtype=np.float64)
        self.sd = np.asarray(spec["sd"], dtype=np.float64)
        self.w = np.asarray(spec["weights"], dtype=np.float64)
        self.b = float(spec["intercept"])
        self.knots_x = np.asarray(spec["calibration"]["pred"], dtype=np.float64)
        self.knots_y = np.asarray(spec["calibration"]["score"], dtype=np.float64)

    def predict(self, feats: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Predicted DA z-score from the NAMES features and the pooled hidden layer."""
        x = (np.hstack([feats, hidden]) - self.mu) / self.sd
        return x @ self.w + self.b

    def calibrate(self, pred: np.ndarray) -> np.ndarray:
        """Strictly increasing piecewise-linear map to 0-100 (linear beyond the knots)."""
        xs, ys = self.knots_x, self.knots_y
        out = np.interp(pred, xs, ys)
        lo_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        hi_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        out = np.where(pred < xs[0], ys[0] + (pred - xs[0]) * lo_slope, out)
        out = np.where(pred > xs[-1], ys[-1] + (pred - xs[-1]) * hi_slope, out)
        return np.clip(out, 0.0, 100.0)

    def score_parts(self, sentences: Sequence[str], scores: Sequence[TokenScores], hidden: np.ndarray) -> list[float]:
        if not sentences:
            return []
        out = self.calibrate(self.predict(feature_matrix(sentences, scores), hidden))
        # No word at all (an empty or punctuation-only translation) is no translation.
        return [0.0 if not any(c.isalnum() for c in s) else float(v) for s, v in zip(sentences, out)]


class QualityEstimator:
    """``QualityEstimator.load().score(["A sentence.", ...])`` -> 0-100, higher is better."""

    def __init__(self, spec: dict, digest: str, device: Optional[str] = None):
        self.linear = LinearQE(spec)
        self.spec = spec
        self.layer = int(spec["hidden_layer"])
        self.lm_spec = spec["lm"]
        self.device = device
        self.model_id = f"mtqa-qe:{spec['name']}:{digest}"
        self._lm = None

    @classmethod
    def load(cls, path: str | Path | None = None, device: Optional[str] = None) -> "QualityEstimator":
        p = Path(path) if path else DEFAULT_PATH
        if p.is_dir():
            p = p / "model.json"
        try:
            raw = p.read_bytes()
            spec = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise ToolError(f"cannot read QE model {p}: {exc}") from exc
        return cls(spec, hashlib.sha256(raw).hexdigest()[:10], device)

    @property
    def lm(self):
        if self._lm is None:
            from mtqa.lm import load_causal_lm  # heavy: torch + transformers

            self._lm = load_causal_lm(self.lm_spec, self.device)
        return self._lm

    def score(self, sentences: list[str], findings: list[list[Finding]] | None = None) -> list[float]:
        """0-100 per sentence.  ``findings`` is accepted for the pipeline's sake and not
        used: the model was trained without rule/LanguageTool counts (see MODEL_CARD.md)."""
        if not sentences:
            return []
        scores, hidden = lm_pass(self.lm, sentences, pool_layers=(self.layer,))
        return self.linear.score_parts(sentences, scores, hidden)

    def surprising_words(self, sentence: str, k: int = 3) -> list[tuple[int, int, float]]:
        """(start, end, surprisal in nats) of the k words the LM found least likely."""
        if not sentence.strip():
            return []
        (ts,) = token_logprobs(self.lm, [sentence])
        words = word_logprobs(sentence, ts)
        ranked = sorted(words, key=lambda w: w[2])[:k]
        return [(s, e, -lp) for s, e, lp in ranked]
