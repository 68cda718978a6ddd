"""Terminology: a project glossary of required terms (usually names) and the variants
that must not appear, e.g. "Sergei Lavrov" instead of "Sergey Lavrov" / "S. Lavrov".

Matching is case-sensitive (names) on word boundaries, inside sentence segments only
(boilerplate is never checked).  A variant found inside an occurrence of its own required
term (variant "Lavrov", term "Sergei Lavrov") is not flagged."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from mtqa.types import Category, Finding, Origin, Segment, Severity

RULE_ID = "GLO001"


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    variants: tuple[str, ...]


def _pattern(s: str) -> re.Pattern:
    # \w boundaries only where the phrase itself starts/ends with a word character, so
    # "S. Lavrov" or "U.S." still match at their punctuation.
    left = r"(?<!\w)" if s[:1].isalnum() or s[:1] == "_" else ""
    right = r"(?!\w)" if s[-1:].isalnum() or s[-1:] == "_" else ""
    return re.compile(left + re.escape(s) + right)


def check_glossary(text: str, segments: Sequence[Segment], glossary: Sequence[GlossaryEntry]) -> list[Finding]:
    if not glossary:
        return []
    hits: list[tuple[int, int, GlossaryEntry, str]] = []
    for seg in segments:
        if seg.kind != "sentence":
            continue
        chunk = text[seg.start : seg.end]
        for entry in glossary:
            protected = [(m.start(), m.end()) for m in _pattern(entry.term).finditer(chunk)]
            for variant in entry.variants:
                if not variant or variant == entry.term:
                    continue
                for m in _pattern(variant).finditer(chunk):
                    if any(ps <= m.start() and m.end() <= pe for ps, pe in protected):
                        continue
                    hits.append((seg.start + m.start(), seg.start + m.end(), entry, variant))
    # Longest match wins where variants overlap ("Sergey Lavrov" over "Lavrov").
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[Finding] = []
    last_end = -1
    for start, end, entry, variant in hits:
        if start < last_end:
            continue
        last_end = end
        out.append(Finding(
            rule_id=RULE_ID, category=Category.CALQUE, severity=Severity.MAJOR, start=start, end=end,
            message=f"Glossary: write “{entry.term}”, not “{variant}”.",
            replacements=(entry.term,), origin=Origin.RULE, safe=False, confidence=0.9,
        ))
    return out
