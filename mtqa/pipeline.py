"""The pipeline: text -> segments -> findings -> edits -> Report.

A Checker holds the heavy backends (LanguageTool server, models) for a whole run: open it
once with ``with Checker(backends) as checker:`` and call ``checker.check(text, path,
settings)`` for every document (from several threads if you like).  A backend that fails
raises ToolError; it never yields a clean report."""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Optional, Sequence

from mtqa import __version__
from mtqa.edits import candidates_from_findings, resolve
from mtqa.rules import run_rules, ruleset_hash, selected
from mtqa.scoring import findings_in, mqm_score, penalty, word_count
from mtqa.segment import segment_text, sentences as only_sentences
from mtqa.types import Finding, Report, SentenceResult, Severity


@dataclass(frozen=True)
class Backends:
    """What is started once per run."""

    languagetool: bool = True
    lt_url: Optional[str] = None
    lt_disabled_rules: tuple[str, ...] = ()
    lt_disabled_categories: tuple[str, ...] = ()
    lt_picky: bool = False


@dataclass(frozen=True)
class Settings:
    """What may differ per document (config overrides by path, CLI flags)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (rule id prefix, severity) overrides
    glossary: tuple = ()  # mtqa.glossary.GlossaryEntry
    lines: bool = False
    apply_unsafe: bool = False


class Checker:
    def __init__(self, backends: Backends = Backends()):
        self.backends = backends
        self._stack = contextlib.ExitStack()
        self.lt = None

    def __enter__(self) -> "Checker":
        b = self.backends
        if b.languagetool:
            from mtqa.languagetool import open_languagetool

            self.lt = self._stack.enter_context(
                open_languagetool(
                    b.lt_url,
                    disabled_rules=b.lt_disabled_rules,
                    disabled_categories=b.lt_disabled_categories,
                    picky=b.lt_picky,
                )
            )
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def signature(self) -> dict:
        """mtqa version, rule-set hash and backend ids: stamped on every report."""
        return {
            "mtqa": __version__,
            "rules": ruleset_hash(),
            "languagetool": self.lt.version if self.lt is not None else None,
            "model": None,
        }

    # -- stages ---------------------------------------------------------------------------
    def _findings(self, text: str, sents, st: Settings, suppressions) -> list[Finding]:
        found = run_rules(text, sents, select=st.select, ignore=st.ignore)
        if st.glossary and selected("GLO001", st.select, st.ignore):
            from mtqa.glossary import check_glossary

            found += check_glossary(text, sents, st.glossary)
        if self.lt is not None and sents:
            # Only what lies inside checked sentences: boilerplate and markup stay unflagged.
            found += [
                f for f in self.lt.check(text)
                if selected(f.rule_id, st.select, st.ignore)
                and any(s.start <= f.start and f.end <= s.end for s in sents)
            ]
        if suppressions:
            from mtqa.inputs import suppressed

            found = [f for f in found if not suppressed(f, suppressions)]
        if st.severity:
            found = [_override(f, st.severity) for f in found]
        found.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return found

    def check(
        self,
        text: str,
        path: str = "<text>",
        settings: Settings = Settings(),
        regions: Optional[Sequence[tuple[int, int]]] = None,
        suppressions: Sequence = (),
    ) -> Report:
        segments = segment_text(text, lines=settings.lines, regions=regions)
        sents = only_sentences(segments)
        findings = self._findings(text, sents, settings, suppressions)
        edits = resolve(candidates_from_findings(findings), sents, settings.apply_unsafe)
        results = []
        for s in sents:
            mine = findings_in(s, findings)
            w = word_count(s.text)
            p = penalty(mine)
            results.append(SentenceResult(segment=s, score=round(mqm_score(p, w), 2), words=w, penalty=p))
        words = sum(r.words for r in results)
        pen = sum(r.penalty for r in results)
        return Report(
            path=path,
            text=text,
            segments=segments,
            findings=findings,
            edits=edits,
            sentences=results,
            score=round(mqm_score(pen, words), 2),
            words=words,
            penalty=pen,
            signature=self.signature(),
        )


def _override(f: Finding, severity: Sequence[tuple[str, str]]) -> Finding:
    best = max(((len(p), sev) for p, sev in severity if f.rule_id.startswith(p)), default=None)
    return dataclasses.replace(f, severity=Severity(best[1])) if best else f
