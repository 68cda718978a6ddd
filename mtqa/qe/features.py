"""Sentence features for quality estimation, from the English side alone.

Two groups:
- FLUENCY: language-model terms, each oriented so that higher means more fluent.  The
  model gives them non-negative weights, so a damaged sentence that the LM finds less
  likely can only lose score through them.
- FORM: well-formedness cues (no doubled words, final punctuation, capital start, no
  space before punctuation), also
  oriented higher = better and given small positive minimum weights: in MLQE-PE they are
  confounded with genre (proverbs and posts often lack final stops), but in news their
  absence is damage.
- SURFACE: length, word frequency, punctuation/digit/script ratios.  Together with the
  sentence embedding they mostly describe the kind of text, which predicts human scores too.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from mtqa.qe.lmscore import TokenScores

FLUENCY = ("lp_mean", "lp_p10", "lp_min", "word_lp_min", "slor")
FORM = ("no_repeat", "final_punct", "starts_upper", "no_space_before_punct")
SURFACE = (
    "log_words", "log_chars", "mean_word_len", "zipf_mean", "zipf_min", "oov_share",
    "punct_ratio", "digit_ratio", "upper_ratio", "nonascii_ratio", "cyrillic", "quote_ratio",
)
NAMES = FLUENCY + FORM + SURFACE

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_SPACE_PUNCT = re.compile(r"\w \s*[,.;:!?)](?=\s|$)")
_OOV_ZIPF = 1.0  # wordfreq gives 0 for unseen words; treat them as very rare, not impossible


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def unigram_logprob(word: str) -> float:
    """ln p(word) in English at large (wordfreq, lower-cased; unseen words as very rare):
    the prior that SLOR subtracts from the LM's log-prob."""
    return (max(_zipf(word.lower()), _OOV_ZIPF) - 9.0) * math.log(10)


def word_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


def word_logprobs(text: str, ts: TokenScores) -> list[tuple[int, int, float]]:
    """(start, end, log-prob) per word: the summed log-probs of the tokens that end inside
    the word (a BPE token carries its leading space, so its end decides the word)."""
    spans = word_spans(text)
    out = []
    ends = ts.offsets[:, 1] if len(ts.offsets) else np.zeros(0, dtype=np.int32)
    for s, e in spans:
        sel = (ends > s) & (ends <= e)
        out.append((s, e, float(ts.logprobs[sel].sum()) if sel.any() else 0.0))
    return out


def _fluency(text: str, ts: TokenScores) -> list[float]:
    lp = ts.logprobs.astype(np.float64)
    if lp.size == 0:  # empty sentence: as unlikely as it gets
        return [-20.0, -20.0, -20.0, -20.0, -20.0]
    words = word_logprobs(text, ts)
    wlp = [w[2] for w in words] or [float(lp.min())]
    # SLOR: LM log-prob minus unigram log-prob, per word (unigram from wordfreq, ln).
    uni = sum(unigram_logprob(text[s:e]) for s, e, _ in words)
    slor = (float(lp.sum()) - uni) / max(len(words), 1)
    return [
        float(lp.mean()),
        float(np.percentile(lp, 10)),
        float(lp.min()),
        float(min(wlp)),
        float(slor),
    ]


def form_features(text: str) -> list[float]:
    """The FORM features of one sentence (doubled words, end punctuation, initial capital, tokenized spacing)."""
    lower = [m.group().lower() for m in _WORD.finditer(text)]
    repeats = sum(1 for a, b in zip(lower, lower[1:]) if a == b and a.isalpha())
    first = next((c for c in text if c.isalpha()), "")
    return [
        -float(repeats),
        float(text.rstrip()[-1:] in (".", "!", "?", "…", '"', "”", "»", ")", ":")),
        float(first.isupper()),
        -float(len(_SPACE_PUNCT.findall(text))),  # "word , word": tokenized text
    ]


def surface_features(text: str) -> list[float]:
    """The SURFACE features of one sentence (length, word frequency, character classes); no LM needed."""
    words = [text[s:e] for s, e in word_spans(text)]
    n = max(len(text), 1)
    zipfs = [_zipf(w.lower()) for w in words] or [0.0]
    return [
        math.log1p(len(words)),
        math.log1p(len(text)),
        float(np.mean([len(w) for w in words])) if words else 0.0,
        float(np.mean(zipfs)),
        float(min(zipfs)),
        float(np.mean([z == 0.0 for z in zipfs])),
        sum(not c.isalnum() and not c.isspace() for c in text) / n,
        sum(c.isdigit() for c in text) / n,
        sum(c.isupper() for c in text) / n,
        sum(ord(c) > 127 for c in text) / n,
        float(any("\u0400" <= c <= "\u04ff" for c in text)),
        sum(c in "\"“”«»'‘’" for c in text) / n,
    ]


def sentence_features(text: str, ts: TokenScores) -> np.ndarray:
    """The NAMES features of one sentence, in order."""
    return np.array(_fluency(text, ts) + form_features(text) + surface_features(text), dtype=np.float64)


def feature_matrix(texts: Sequence[str], scores: Sequence[TokenScores]) -> np.ndarray:
    return np.stack([sentence_features(t, s) for t, s in zip(texts, scores)]) if texts else np.zeros((0, len(NAMES)))
