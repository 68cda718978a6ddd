"""The sentence quality estimator: one SmolLM2 pass per batch gives token log-probs
(fluency features) and a mean-pooled hidden layer (what kind of text it is); a linear
model trained on MLQE-PE predicts the human DA z-score, and a monotone map turns that
into a 0-100 score on the DA scale.

The model file is JSON (weights, feature scaling, calibration knots): no pickle, readable
by any numpy version.  ``scripts/train_qe.py`` writes it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from mtqa.errors import ToolError
from mtqa.qe.features import NAMES, feature_matrix, word_logprobs
from mtqa.qe.lmscore import TokenScores, lm_pass, token_logprobs
from mtqa.models.memo import Memo
from mtqa.models.resources import default_qe

DEFAULT_PATH = default_qe()  # the package's copy when installed, else the checkout's models/qe
FORMAT = 1
RECENT_SCORES = 4096  # sentences whose token scores surprising_words() finds without a pass

# The model file's keys for a cheaper LM pass, and the ``mtqa.models.lm.cheap_copy``
# argument each one sets: a model is fitted on one pass's features and must run that pass.
PASS_KEYS = {"lm_layers": "layers", "lm_int8": "int8", "lm_int8_head": "int8_head", "lm_shortlist": "shortlist",
             "lm_smoothing": "smoothing", "lm_attention": "attention", "lm_skip": "skip"}
PASS_TYPES = {"lm_layers": int, "lm_int8": bool, "lm_int8_head": bool, "lm_shortlist": int, "lm_smoothing": str,
              "lm_attention": str, "lm_skip": str}


def pass_options(spec: dict, folder: Path | None = None) -> dict:
    """``cheap_copy`` arguments of a model file (none: the LM as it is); the int8
    calibration file (``lm_smoothing``) is named relative to ``folder``, the model's."""
    out = {arg: spec[key] for key, arg in PASS_KEYS.items() if spec.get(key)}
    if "smoothing" in out:
        out["smoothing"] = str((folder or DEFAULT_PATH) / out["smoothing"])
    return out


def calibrate(pred: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Strictly increasing piecewise-linear map to 0-100 (linear beyond the knots)."""
    out = np.interp(pred, xs, ys)
    lo_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    hi_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    out = np.where(pred < xs[0], ys[0] + (pred - xs[0]) * lo_slope, out)
    out = np.where(pred > xs[-1], ys[-1] + (pred - xs[-1]) * hi_slope, out)
    return np.clip(out, 0.0, 100.0)


def _read_linear(obj, spec: dict) -> None:
    """Feature scaling, weights and calibration knots of a model file, onto ``obj``."""
    obj.spec = spec
    obj.mu, obj.sd, obj.w = (np.asarray(spec[k], dtype=np.float64) for k in ("mu", "sd", "weights"))
    obj.b = float(spec["intercept"])
    obj.knots_x = np.asarray(spec["calibration"]["pred"], dtype=np.float64)
    obj.knots_y = np.asarray(spec["calibration"]["score"], dtype=np.float64)


def has_words(s: str) -> bool:
    """Whether a sentence has a letter or digit; one without is scored 0.0, not by the model."""
    return any(c.isalnum() for c in s)


class SourceQE:
    """The source-aware combination (``models/qe/source.json``, written by
    ``benchmarks/qe_source.py fit --write``): the English-only prediction plus the
    source-conditioned log-prob features of ``mtqa.qe.source_lm``, linear, then its own
    calibration to 0-100."""

    def __init__(self, spec: dict):
        from mtqa.qe.source_lm import NAMES as SRC_NAMES

        if spec.get("format") != FORMAT or spec.get("features") != ["qe_pred", *SRC_NAMES]:
            raise ToolError("source QE model file does not match this mtqa's feature definitions; refit it")
        _read_linear(self, spec)
        self.lm_spec = spec["source_lm"]

    def score(self, base_pred: np.ndarray, src_feats: np.ndarray) -> np.ndarray:
        x = (np.column_stack([base_pred, src_feats]) - self.mu) / self.sd
        return calibrate(x @ self.w + self.b, self.knots_x, self.knots_y)


class LinearQE:
    """The fitted parameters; pure numpy, no model needed (benchmarks feed it cached parts)."""

    def __init__(self, spec: dict):
        if spec.get("format") != FORMAT or spec.get("features") != list(NAMES):
            raise ToolError("QE model file does not match this mtqa's feature definitions; retrain it")
        _read_linear(self, spec)

    def predict(self, feats: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Predicted DA z-score from the NAMES features and the pooled hidden layer."""
        x = (np.hstack([feats, hidden]) - self.mu) / self.sd
        return x @ self.w + self.b

    def calibrate(self, pred: np.ndarray) -> np.ndarray:
        return calibrate(pred, self.knots_x, self.knots_y)

    def score_parts(self, sentences: Sequence[str], scores: Sequence[TokenScores], hidden: np.ndarray) -> list[float]:
        if not sentences:
            return []
        out = self.calibrate(self.predict(feature_matrix(sentences, scores), hidden))
        # No word at all (an empty or punctuation-only translation) is no translation.
        return [0.0 if not has_words(s) else float(v) for s, v in zip(sentences, out)]


class QualityEstimator:
    """``QualityEstimator.load().score(["A sentence.", ...])`` -> 0-100, higher is better."""

    def __init__(self, spec: dict, digest: str, device: Optional[str] = None, memo: int = 0):
        self.linear = LinearQE(spec)
        self.spec = spec
        self.layer = int(spec["hidden_layer"])
        self.lm_spec = spec["lm"]
        self.device = device
        self.model_id = f"mtqa-qe:{spec['name']}:{digest}"
        self.folder = DEFAULT_PATH  # where files the model names (its int8 calibration) are
        self._lm = None
        self._src_lm = None
        self.source_qe: Optional[SourceQE] = None
        self.source_model_id: Optional[str] = None
        # Token scores of the recent score() calls, by sentence: surprising_words() on one
        # of those sentences (the pipeline's QE001) reads them instead of a second pass
        # (several calls back: `mtqa check --jobs` scores the next document meanwhile).
        self._last_scores: Memo[str, TokenScores] = Memo(RECENT_SCORES)
        # With ``memo`` > 0 (`mtqa serve`), the LM parts of that many recent sentences are
        # kept: an editor's "check again" after fixing one sentence sends only that
        # sentence through the LM.  Off in one-shot runs, where sentences rarely repeat.
        self.memo = memo
        self._memo: Memo[str, tuple[TokenScores, np.ndarray]] = Memo(memo)
        # Layers whose per-token states the passes keep (TokenScores.states): set by the
        # edit tagger, which reads them from recent_scores() instead of a pass of its own.
        self.state_layers: tuple[int, ...] = ()

    def _load_source(self, p: Path) -> None:
        """The source-aware combination beside model.json, if one ships."""
        if not p.exists():
            return
        try:
            raw = p.read_bytes()
            self.source_qe = SourceQE(json.loads(raw))
        except (OSError, ValueError, KeyError) as exc:
            raise ToolError(f"cannot read source QE model {p}: {exc}") from exc
        self.source_model_id = f"mtqa-qe-source:{self.source_qe.lm_spec}:{hashlib.sha256(raw).hexdigest()[:10]}"

    @classmethod
    def load(cls, path: str | Path | None = None, device: Optional[str] = None,
             with_source: bool = True, memo: int = 0) -> "QualityEstimator":
        """The model in ``path`` (default models/qe), and, with ``with_source``, the
        source-aware part beside it (``source.json``) when there is one; ``memo``: see
        ``__init__``."""
        p = Path(path) if path else DEFAULT_PATH
        if p.is_dir():
            p = p / "model.json"
        try:
            raw = p.read_bytes()
            spec = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise ToolError(f"cannot read QE model {p}: {exc}") from exc
        digest = hashlib.sha256(raw)
        for key, kind in PASS_TYPES.items():  # the LM pass's keys, checked before any is used
            if isinstance(spec, dict) and spec.get(key) is not None and \
                    (not isinstance(spec[key], kind) or (kind is int and isinstance(spec[key], bool))):
                raise ToolError(f"cannot read QE model {p}: {key!r} is not a {kind.__name__}")
        calibration = spec.get("lm_smoothing") if isinstance(spec, dict) else None
        if calibration:  # the int8 pass's calibration is part of the model: it keys its id too
            try:
                digest.update((p.parent / calibration).read_bytes())
            except OSError as exc:
                raise ToolError(f"cannot read QE model {p}: its int8 calibration: {exc}") from exc
        qe = cls(spec, digest.hexdigest()[:10], device, memo)
        qe.folder = p.parent
        if with_source:
            qe._load_source(p.parent / "source.json")
        return qe

    @property
    def lm(self):
        if self._lm is None:
            from mtqa.models.lm import cheap_copy  # heavy: torch + transformers

            # A model fitted on a cheaper pass (int8, a vocabulary shortlist) names it; the
            # features are those of that pass, so it must run the same one.
            self._lm = cheap_copy(self.lm_spec, device=self.device, **pass_options(self.spec, self.folder))
        return self._lm

    @property
    def source_lm(self):
        if self._src_lm is None:
            from mtqa.models.lm import load_causal_lm

            assert self.source_qe is not None
            self._src_lm = load_causal_lm(self.source_qe.lm_spec, self.device)
        return self._src_lm

    def score(self, sentences: list[str], sources: Sequence[str] | None = None) -> list[float]:
        """0-100 per sentence, from the English alone (the model was trained without
        rule/LanguageTool counts, MODEL_CARD.md: a check scores while its rules run).
        ``sources``, one Russian sentence per English one, switch to the source-aware
        score where a source-aware model ships (``source.json``); a sentence whose source
        is blank keeps its English-only score."""
        if not sentences:
            return []
        scores, hidden = self._lm_parts(sentences)
        self._last_scores.update(zip(sentences, scores))
        if sources is None or self.source_qe is None:
            return self.linear.score_parts(sentences, scores, hidden)
        if len(sources) != len(sentences):
            raise ValueError("one source per sentence")
        from mtqa.qe.source_lm import source_pass

        base = self.linear.predict(feature_matrix(sentences, scores), hidden)
        english = self.linear.calibrate(base)
        use = [i for i, (s, src) in enumerate(zip(sentences, sources)) if has_words(s) and has_words(src)]
        out = english.copy()
        if use:
            feats = source_pass(self.source_lm, [sources[i] for i in use], [sentences[i] for i in use])
            out[use] = self.source_qe.score(base[use], feats)
        return [0.0 if not has_words(s) else float(v) for s, v in zip(sentences, out)]

    def _lm_parts(self, sentences: list[str]) -> tuple[list[TokenScores], np.ndarray]:
        """Token scores and the pooled hidden layer of each sentence, from the memo where
        it holds them (a kept sentence's figures come from the batch it was first scored
        in: they differ from a fresh pass by float rounding only)."""
        if not self.memo:
            return lm_pass(self.lm, sentences, pool_layers=(self.layer,), state_layers=self.state_layers)
        kept = {s: self._memo.get(s) for s in dict.fromkeys(sentences) if s in self._memo}
        todo = [s for s in dict.fromkeys(sentences) if s not in kept]
        if todo:
            scores, hidden = lm_pass(self.lm, todo, pool_layers=(self.layer,), state_layers=self.state_layers)
            fresh = {s: (t, h) for s, t, h in zip(todo, scores, hidden)}
            kept.update(fresh)
            # the long-lived memo keeps no per-token states (~70 KB a sentence): the tagger
            # finds them in the recent scores, and a kept sentence's edits are cached
            self._memo.update((s, (dataclasses.replace(t, states=None), h)) for s, (t, h) in fresh.items())
        parts = [kept[s] for s in sentences]
        return [t for t, _ in parts], np.stack([h for _, h in parts])

    def recent_scores(self, sentence: str) -> Optional[TokenScores]:
        """The token scores (and states, with ``state_layers``) of a recently scored
        sentence, or None."""
        ts = self._last_scores.get(sentence)
        if ts is None and self.memo:
            kept = self._memo.get(sentence)
            ts = kept[0] if kept else None
        return ts

    def surprising_words(self, sentence: str, k: int = 3) -> list[tuple[int, int, float]]:
        """(start, end, surprisal in nats) of the k words the LM found least likely."""
        if not sentence.strip():
            return []
        ts = self._last_scores.get(sentence)
        if ts is None:
            (ts,) = token_logprobs(self.lm, [sentence])
        words = word_logprobs(sentence, ts)
        ranked = sorted(words, key=lambda w: w[2])[:k]
        return [(s, e, -lp) for s, e, lp in ranked]
