"""Rule kinds.  A rule is a class with a docstring (its documentation, printed by
``mtqa rules ID``), a stable id, a category, a severity, examples that double as tests,
and ``check(sentence)`` yielding findings with offsets *relative to the sentence*.
The runner (mtqa.checks.rules.run_rules) shifts them into document offsets.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Iterator, Optional, Sequence

from mtqa.types import Category, Finding, Origin, Segment, Severity


@dataclass(frozen=True)
class Example:
    """``text`` is a sentence; ``flagged`` whether the rule must fire on it; ``fixed`` the
    sentence after applying the first replacement of every finding (None: no check)."""

    text: str
    flagged: bool
    fixed: Optional[str] = None


@dataclass
class DocumentContext:
    """What a rule may know about the whole document (e.g. the dominant tense, its names)."""

    text: str
    sentences: Sequence[Segment]
    source: Optional[str] = None  # the Russian source, when given
    glossary: tuple = ()  # mtqa.checks.glossary.GlossaryEntry
    _cache: dict = field(default_factory=dict)

    @cached_property
    def names(self):
        """The document's names (``mtqa.checks.names.NameIndex``)."""
        from mtqa.checks.names import build_index

        sents = [s for s in self.sentences if s.kind == "sentence" and s.text.strip()]
        return build_index(self.text, sents, [self.spacy_doc(s) for s in sents],
                           source=self.source, glossary=self.glossary)

    def spacy_doc(self, seg: Segment):
        key = (seg.start, seg.end)
        if key not in self._cache:
            from mtqa.models.nlp import parse, parse_many

            if not self._cache:  # the first parse asked for: the document's sentences together
                self._cache.update(zip([(s.start, s.end) for s in self.sentences],
                                       parse_many(s.text for s in self.sentences)))
            if key not in self._cache:
                self._cache[key] = parse(seg.text)
        return self._cache[key]

    @cached_property
    def past_tense_ratio(self) -> float:
        """Share of finite main verbs (spaCy tags) in the past tense, over all sentences."""
        past = present = 0
        for seg in self.sentences:
            for tok in self.spacy_doc(seg):
                if tok.tag_ == "VBD":
                    past += 1
                elif tok.tag_ in ("VBZ", "VBP"):
                    present += 1
        total = past + present
        return past / total if total else 0.0


@dataclass
class Sentence:
    """The view of one sentence a rule gets."""

    segment: Segment
    document: DocumentContext

    @property
    def text(self) -> str:
        return self.segment.text

    @property
    def doc(self):
        """spaCy Doc of this sentence (lazy; en_core_web_sm)."""
        return self.document.spacy_doc(self.segment)


class Rule:
    id: str = ""
    name: str = ""
    category: Category = Category.STYLE
    severity: Severity = Severity.MINOR
    examples: tuple[Example, ...] = ()
    # Off by default (opt in with `opt-in`/--opt-in or a house-style profile): its
    # precision against human post-edits was no better than chance (BENCHMARKS.md).
    default: bool = True
    # House style, not a correction: the fix is applied only under a style profile
    # (`style = "ap"`); otherwise the finding is a suggestion.
    style: bool = False

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name

    def check(self, sentence: Sentence) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(
        self,
        start: int,
        end: int,
        message: str,
        replacements: Sequence[str] = (),
        *,
        safe: bool = False,
        confidence: float = 0.5,
        severity: Optional[Severity] = None,
    ) -> Finding:
        """A finding with sentence-relative offsets."""
        return Finding(
            rule_id=self.id,
            category=self.category,
            severity=severity or self.severity,
            start=start,
            end=end,
            message=message,
            replacements=tuple(replacements),
            origin=Origin.RULE,
            safe=safe,
            confidence=confidence,
        )


class RegexRule(Rule):
    """A rule given by one regular expression and a message; ``replace`` (a template for
    ``match.expand``) gives the replacement, or None for none."""

    pattern: re.Pattern
    message: str = ""
    replace: Optional[str] = None
    safe_fix: bool = False
    fix_confidence: float = 0.8

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        for m in self.pattern.finditer(sentence.text):
            reps = [m.expand(self.replace)] if self.replace is not None else []
            yield self.finding(
                m.start(), m.end(), m.expand(self.message) if self.message else self.summary,
                reps, safe=self.safe_fix and bool(reps), confidence=self.fix_confidence,
            )
