"""Segments -> findings: every source of findings for one document, merged into one sorted
list - mtqa's rules, the glossary, LanguageTool (merged by mtqa.checks.languagetool.merge),
the checks against a Russian source - then the house-style profile's demotions, the
document's inline suppressions and the user's severity overrides."""
from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from mtqa.checks.rules import DocumentContext, run_rules
from mtqa.checks.rules.styles import demote_style
from mtqa.checks.select import selected
from mtqa.run.config import with_severities
from mtqa.run.settings import Settings
from mtqa.segment import touches_mask
from mtqa.types import Finding, Segment


def by_position(findings) -> list[Finding]:
    """Findings in report order: by span, then rule id."""
    return sorted(findings, key=lambda f: (f.start, f.end, f.rule_id))


def outside_markup(findings, masks) -> list[Finding]:
    """The findings about prose.  One that touches masked markup (mtqa.segment.mask_text)
    speaks of the blanks there (a doubled space where a link target was; "[Ukraine](url)'s"
    read as a spaced contraction) and is dropped.  A sentence-wide finding (QE001, the
    source checks) that merely encloses markup is kept, without a fix, since a fix would
    overwrite the markup."""
    out = []
    for f in findings:
        if masks and touches_mask(f.start, f.end, masks):
            if not (f.rule_id == "QE001" or f.rule_id.startswith("SRC")):
                continue
            f = dataclasses.replace(f, replacements=(), safe=False)
        out.append(f)
    return out


def find(text: str, sents: Sequence[Segment], st: Settings, lt=None, suppressions: Sequence = (),
         source: Optional[str] = None) -> list[Finding]:
    """All findings of one document.  ``lt``: a started LanguageTool backend (None: off);
    ``source``: the Russian original, for the source checks."""
    opt_in = st.opted_in
    ctx = DocumentContext(text=text, sentences=list(sents), source=source, glossary=st.glossary)
    found = run_rules(text, sents, select=st.select, ignore=st.ignore, opt_in=opt_in, context=ctx)
    if st.glossary and selected("GLO001", st.select, st.ignore):
        from mtqa.checks.glossary import check_glossary

        found += check_glossary(text, sents, st.glossary)
    if lt is not None and sents:
        from mtqa.checks.languagetool.merge import merge, prose_only

        found += merge(lt.check(prose_only(text, sents)), ctx, found,
                       select=st.select, ignore=st.ignore, opt_in=opt_in, lines=st.lines)
    found = demote_style(found, st.style)
    if suppressions:
        from mtqa.inputs import suppressed

        found = [f for f in found if not suppressed(f, suppressions)]
    if st.severity:
        found = with_severities(found, st.severity)
    if source is not None:
        from mtqa.checks.source import source_findings

        found += source_findings(text, sents, source, st.lines, st.select, st.ignore, opt_in)
    return by_position(found)
