"""How LanguageTool's findings join mtqa's own for one document: only prose goes to the
server (``prose_only``), and of what comes back only what lies inside checked sentences,
comes from a LanguageTool rule that is on, is not already said by one of mtqa's rules
(``said_by_rule``), is not a quotation mark pairing across paragraphs, and is not a
spelling finding on a name (mtqa.checks.names) or on something that is not prose."""
from __future__ import annotations

from typing import Sequence

from mtqa.checks.languagetool.policy import lt_enabled, not_prose, quote_spans_paragraphs
from mtqa.types import Category, Finding, Segment

# LanguageTool rules that flag exactly what one of our rules flags (with our own fix).
LT_EQUIVALENTS = {
    "LT:CURRENCY_SPACE": "NUM001",
    "LT:ENGLISH_WORD_REPEAT_RULE": "PUN003",
    "LT:WHITESPACE_RULE": "PUN004",
    "LT:COMMA_PARENTHESIS_WHITESPACE": "PUN004",
    "LT:COMMA_PERIOD_CONFUSION": "NUM004",  # "19,5" -> "19.5", NUM004's decimal comma
}


def said_by_rule(f: Finding, rule_findings: Sequence[Finding]) -> bool:
    """Whether one of our rules already says this: LanguageTool's twin of the rule on the
    same words, or a spelling finding inside a rule's span ("mln" in NUM005's "5 mln")."""
    if f.category == Category.SPELLING and any(r.start <= f.start and f.end <= r.end for r in rule_findings):
        return True
    twin = LT_EQUIVALENTS.get(f.rule_id)
    return twin is not None and any(
        r.rule_id == twin and r.start < max(f.end, f.start + 1) and f.start < max(r.end, r.start + 1)
        for r in rule_findings
    )


def prose_only(text: str, sents: Sequence[Segment]) -> str:
    """The text with everything outside sentences (boilerplate, markup, code) blanked out,
    line breaks kept: LanguageTool sees only prose, and its offsets stay those of text."""
    if sents and sents[0].start == 0 and sents[-1].end == len(text) and len(sents) == 1:
        return text
    chars = [c if c in "\r\n" else " " for c in text]
    for seg in sents:
        chars[seg.start:seg.end] = text[seg.start:seg.end]
    return "".join(chars)


def merge(lt_findings: Sequence[Finding], context, rule_findings: Sequence[Finding], *,
          select=(), ignore=(), opt_in=(), lines: bool = False) -> list[Finding]:
    """The LanguageTool findings that join ``rule_findings`` (see the module's docstring).
    ``context``: the document (mtqa.checks.rules.DocumentContext: its text, sentences and
    name index, which is built only when a spelling finding needs it)."""
    text, sents = context.text, context.sentences
    lt = [f for f in lt_findings
          if lt_enabled(f.rule_id, select, ignore, opt_in)
          and any(s.start <= f.start and f.end <= s.end for s in sents)
          and not said_by_rule(f, rule_findings)]
    if not lines:
        lt = [f for f in lt if not quote_spans_paragraphs(text, f.rule_id, f.start)]
    # A name is not a typo.  Keeping "clear typos" of common names ("Moskow") was tried:
    # on WMT22 news it flagged correct names ("Sirte" -> "Site", "Alexandr") on the human
    # reference, so the name index wins.
    return [f for f in lt if f.category != Category.SPELLING
            or not (context.names.covers(f.start, f.end, text) or not_prose(text, f.start, f.end))]
