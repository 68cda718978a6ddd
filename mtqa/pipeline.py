"""The pipeline: text -> segments -> findings -> edits -> Report.

A Checker holds the heavy backends (LanguageTool server, models) for a whole run: open it
once with ``with Checker(options) as checker:`` and call ``checker.check(text, path)`` for
every document.  A backend that fails raises ToolError; it never yields a clean report."""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Sequence

from mtqa import __version__
from mtqa.edits import candidates_from_findings, resolve
from mtqa.errors import ToolError
from mtqa.rules import run_rules, ruleset_hash, selected
from mtqa.scoring import findings_in, mqm_score, penalty, word_count
from mtqa.segment import segment_text, sentences as only_sentences
from mtqa.types import Finding, Report, Segment, SentenceResult, Severity


@dataclass(frozen=True)
class CheckOptions:
    languagetool: bool = True
    lt_url: Optional[str] = None
    lt_disabled_rules: tuple[str, ...] = ()
    lt_disabled_categories: tuple[str, ...] = ()
    lt_picky: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (rule id prefix, severity) overrides
    lines: bool = False
    apply_unsafe: bool = False


class Checker:
    def __init__(self, options: CheckOptions = CheckOptions()):
        self.options = options
        self._stack = contextlib.ExitStack()
        self.lt = None

    def __enter__(self) -> "Checker":
        if self.options.languagetool:
            from mtqa.languagetool import open_languagetool

            self.lt = self._stack.enter_context(
                open_languagetool(
                    self.options.lt_url,
                    disabled_rules=self.options.lt_disabled_rules,
                    disabled_categories=self.options.lt_disabled_categories,
                    picky=self.options.lt_picky,
                )
            )
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def signature(self) -> dict:
        return {
            "mtqa": __version__,
            "rules": ruleset_hash(),
            "languagetool": self.lt.version if self.lt is not None else None,
            "model": None,
        }

    # -- stages ---------------------------------------------------------------------------
    def _findings(self, text: str, sents: Sequence[Segment]) -> list[Finding]:
        o = self.options
        found = run_rules(text, sents, select=o.select, ignore=o.ignore)
        if self.lt is not None and sents:
            lt_found = self.lt.check(text)
            # Only what lies inside checked sentences: boilerplate and markup stay unflagged.
            found += [
                f for f in lt_found
                if selected(f.rule_id, o.select, o.ignore)
                and any(s.start <= f.start and f.end <= s.end for s in sents)
            ]
        if o.severity:
            found = [self._override(f) for f in found]
        found.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return found

    def _override(self, f: Finding) -> Finding:
        best = max(((len(p), sev) for p, sev in self.options.severity if f.rule_id.startswith(p)), default=None)
        return dataclasses.replace(f, severity=Severity(best[1])) if best else f

    def check(
        self,
        text: str,
        path: str = "<text>",
        regions: Optional[Sequence[tuple[int, int]]] = None,
    ) -> Report:
        segments = segment_text(text, lines=self.options.lines, regions=regions)
        sents = only_sentences(segments)
        findings = self._findings(text, sents)
        edits = resolve(candidates_from_findings(findings), sents, self.options.apply_unsafe)
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
