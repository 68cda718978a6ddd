"""What the sentence quality estimate does to findings (the QE stage of the pipeline).

The estimate (0-100, higher is better) is a second, independent-enough opinion on every
sentence: a learned model over the LM's view of the sentence and the findings in it.
Three uses, each chosen on the first 3,500 lines of MLQE-PE ru-en **train** (where a
random word is right 20.6% of the time) and reported on dev (BENCHMARKS.md, "Findings an
editor can trust"; ``benchmarks/flag_precision.py --rows`` writes each finding's sentence
score, which is what the thresholds were read from):

- **QE001**: a sentence that scores below ``LOW_QE`` while no rule names a problem gets a
  sentence-level finding.  It spans the sentence because the estimate is about the
  sentence: a word picked inside it (the least expected one) was right 65.8% of the time
  on train against 63.1% for a random word of the same sentences
  (``benchmarks/qe001_pointer.py``), so the word is only named in the message.
  It is ``major`` below ``MAJOR_QE``, where the estimate is sure enough that an editor
  must look.
- **Corroboration**: a LanguageTool ``major`` finding (a grammar rule, a clear typo) stays
  major only where the estimate agrees that the sentence is poor (below ``CONFIRM_QE``);
  elsewhere it is ``minor``.  On train such majors were right 7 of 9 times in sentences
  below 50 and 7 of 18 in the rest.  mtqa's own rules keep the severities their
  documentation gives (errors by definition, or translationese patterns such as the
  inverted passive, which the LM does not notice).
- **Fluent sentences stay quiet**: LanguageTool's own minor spelling, grammar and style
  findings in a sentence scoring ``FLUENT_QE`` or more are dropped.  On train they were
  right 8 of 35 times there (23%), about what a random word scores (20.6%), against 49 of
  76 (64%) in the sentences below 80.  Punctuation findings (unpaired quotes,
  whitespace) are kept: the LM does not see them, and they stayed precise in fluent
  sentences (21 of 36).

Without a QE model (``--no-qe``) none of this happens: findings keep the severities of
their rules.
"""
from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from mtqa.score import findings_in
from mtqa.types import Category, Finding, Origin, Segment, Severity

LOW_QE = 25.0
"""QE001 below this.  25, not 35: on train QE001 is as precise below 25 as below 35 (61%
against 60%) with a quarter fewer findings, and on WMT22 news it fired on the human
reference about as often as on MT at 35."""

MAJOR_QE = 10.0
"""QE001 is ``major`` below this, ``minor`` from here to ``LOW_QE``.  Chosen on the first
3,500 lines of ru-en train (``flag_precision.py --rows``): QE001 there was right 55 of 56
times below 10, 92 of 101 in [10, 15), 94 of 107 in [15, 20) and 85 of 107 in [20, 25).
10, not 15 (147 of 157): the QE model was fitted on train, so its train precision is
optimistic (87.9% overall against 70.1% on dev) and the stricter cut leaves room for that."""

CONFIRM_QE = 50.0
"""A LanguageTool major finding stays major in a sentence scoring below this."""

FLUENT_QE = 80.0
"""LanguageTool's minor spelling, grammar and style findings are dropped from a sentence
scoring this or more."""

_QUIET_CATEGORIES = frozenset({Category.SPELLING, Category.GRAMMAR, Category.STYLE})


def low_quality_finding(sentence: Segment, estimate: float, hint: str | None) -> Finding:
    """QE001 on a sentence that scores low with no rule to name it; ``hint``: its least
    expected word, named in the message."""
    text = sentence.text
    lo = len(text) - len(text.lstrip())
    hi = len(text.rstrip())
    word = f" The least expected word is \"{hint}\"." if hint else ""
    return Finding(
        rule_id="QE001", category=Category.FLUENCY,
        severity=Severity.MAJOR if estimate < MAJOR_QE else Severity.MINOR,
        start=sentence.start + lo, end=sentence.start + hi,
        message=f"Low estimated quality ({estimate:.0f}/100) and no rule names the problem: "
                f"check this sentence against the source.{word}",
        origin=Origin.MODEL, confidence=round(1 - estimate / 100, 3))


def weigh(findings: Sequence[Finding], sentences: Sequence[Segment], estimates: Sequence[float]) -> list[Finding]:
    """The findings after corroboration and the fluent-sentence filter (module docstring).
    ``estimates``: one per sentence; empty means no QE model, and nothing changes."""
    if not estimates:
        return list(findings)
    verdict: dict[int, Finding | None] = {}
    for s, q in zip(sentences, estimates):
        for f in findings_in(s, findings):
            verdict[id(f)] = _weigh_one(f, q)
    out = [verdict.get(id(f), f) for f in findings]
    return [f for f in out if f is not None]


def _weigh_one(f: Finding, q: float) -> Finding | None:
    if f.origin != Origin.LANGUAGETOOL:  # mtqa's rules, QE001, model suggestions
        return f
    if q >= FLUENT_QE and f.severity == Severity.MINOR and f.category in _QUIET_CATEGORIES:
        return None
    if f.severity == Severity.MAJOR and q >= CONFIRM_QE:
        return dataclasses.replace(f, severity=Severity.MINOR)
    return f


def apply_estimates(qe, sentences: Sequence[Segment], findings: Sequence[Finding], *, select=(), ignore=(),
                    severity=(), sources=None, texts=None,
                    estimates: Optional[Sequence[float]] = None) -> tuple[list[float], list[Finding]]:
    """The QE stage for one document: the sentence estimates (0-100; empty without a QE
    model, ``qe`` None) and the findings as the estimates weigh them (``weigh``, then the
    user's ``severity`` overrides again, then QE001, with the overrides too, where a
    sentence scores below ``LOW_QE`` and no finding explains it).  ``sources``: one source line per sentence
    (--source with --lines), for the source-aware estimate; ``texts``: what the estimator
    reads for each sentence (default: its text; a sentence with masked markup is read with
    the blanks closed up); ``estimates``: ``qe.score`` of those texts, where it ran already
    (the estimate reads no finding, so a check runs it beside the rules)."""
    from mtqa.checks.findings import by_position
    from mtqa.checks.select import selected
    from mtqa.run.config import with_severities

    if qe is None or not sentences:
        return [], list(findings)
    texts = list(texts) if texts is not None else [s.text for s in sentences]
    est = list(estimates) if estimates is not None else qe.score(texts, sources=sources)
    out = weigh(findings, sentences, est)
    if severity:  # the user's severities win over the estimate's
        out = with_severities(out, severity)
    if selected("QE001", select, ignore):
        low = []
        for s, t, q in zip(sentences, texts, est):
            if q >= LOW_QE or not s.text.strip() or findings_in(s, findings):
                continue
            hint = next(iter(qe.surprising_words(t, k=1)), None)
            word = t[hint[0]:hint[1]] if hint else None
            # a word only the estimator read (a URL's stand-in) is not named
            low.append(low_quality_finding(s, q, word if word and word in s.text else None))
        out += with_severities(low, severity)
    return est, by_position(out)
