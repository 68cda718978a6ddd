"""Scores.  The rule-based score is an MQM-style penalty score:

    penalty(sentence) = sum of severity weights of its findings
                        (minor 1, major 5, critical 10; findings with the same span and
                        category count once, so LanguageTool and a rule flagging the same
                        words do not double the penalty)
    score(sentence)   = max(0, 100 - 100 * penalty / max(words, 10))
    score(document)   = max(0, 100 - 100 * sum(penalties) / max(sum(words), 10))

i.e. 100 minus the penalty per 100 words, floored at 0; the floor of 10 words keeps one
slip in a three-word sentence from zeroing it.  When a learned quality estimator is
available (mtqa.qe), a sentence's score is its estimate instead, and the document's the
word-weighted mean of its sentences' (``sentence_results``, ``document_score``).
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from mtqa.types import Finding, Origin, Segment, SentenceResult

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
MIN_WORDS = 10


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def penalty(findings: Iterable[Finding]) -> float:
    seen = set()
    total = 0.0
    for f in findings:
        key = (f.start, f.end, f.category)
        if key in seen:
            continue
        seen.add(key)
        total += f.severity.weight
    return total


def mqm_score(pen: float, words: int) -> float:
    return max(0.0, 100.0 - 100.0 * pen / max(words, MIN_WORDS))


def findings_in(seg: Segment, findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if seg.start <= f.start and f.end <= seg.end]


def sentence_results(sentences: Sequence[Segment], findings: Sequence[Finding],
                     estimates: Sequence[float] = ()) -> list[SentenceResult]:
    """Each sentence's score: its QE estimate when there are estimates, else the MQM score
    of its findings.  Model suggestions are not problems found; they do not lower it."""
    results = []
    for k, s in enumerate(sentences):
        mine = [f for f in findings_in(s, findings) if f.origin != Origin.MODEL]
        w = word_count(s.text)
        p = penalty(mine)
        score = estimates[k] if estimates else mqm_score(p, w)
        results.append(SentenceResult(segment=s, score=round(score, 2), words=w, penalty=p))
    return results


def document_score(results: Sequence[SentenceResult], estimates: Sequence[float] = ()) -> float:
    """The document's score: the word-weighted mean of the sentence estimates, else the MQM
    score of all its findings."""
    if estimates:
        weights = [max(r.words, 1) for r in results]
        return round(sum(r.score * w for r, w in zip(results, weights)) / sum(weights), 2)
    return round(mqm_score(sum(r.penalty for r in results), sum(r.words for r in results)), 2)


def failing(findings: Iterable[Finding], fail_on: str) -> bool:
    """Whether any finding is at or above the ``fail_on`` severity ("none" disables).
    The run's pass/fail verdict lives in mtqa.report.stats; this asks its Policy."""
    from mtqa.report.stats import Policy

    policy = Policy.of(None, fail_on)
    return any(policy.finding_fails(f) for f in findings)
