"""The wiring of the stages for one document: text -> segments -> findings -> estimates ->
edits -> scores -> Report.  Each stage lives in its own package; this module only calls
them in order.

A Checker holds the heavy backends (LanguageTool server, models) for a whole run: open it
once with ``with Checker(backends) as checker:`` and call ``checker.check(text, path,
settings)`` for every document (from several threads if you like: the model passes run
one at a time on the process's model thread, ``mtqa.models.thread``).  A backend that fails
raises ToolError; it never yields a clean report."""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Optional, Sequence

from mtqa.checks.findings import by_position, find, outside_markup
from mtqa.edits.resolve import candidates_from_findings, resolve
from mtqa.models.thread import beside_models, model_future, on_model_thread
from mtqa.qe.policy import apply_estimates
from mtqa.run.settings import Backends, Settings
from mtqa.run.signature import backend_ids, signature
from mtqa.score import document_score, sentence_results
from mtqa.segment import (mask_text, reading_text, segment_text, sentences as only_sentences, touches_mask,
                          urls_read_plainly)
from mtqa.types import Finding, Report

__all__ = ["Backends", "Checker", "Settings", "backend_ids"]


class Checker:
    def __init__(self, backends: Backends = Backends()):
        self.backends = backends
        self._stack = contextlib.ExitStack()
        self.lt = None
        self.qe = None
        self.suggester = None

    def __enter__(self) -> "Checker":
        b = self.backends
        if b.memo:
            from mtqa.models.nlp import keep_parses

            keep_parses(b.memo)
        if b.languagetool:
            from mtqa.checks.languagetool import open_languagetool

            self.lt = self._stack.enter_context(
                open_languagetool(
                    b.lt_url,
                    disabled_rules=b.lt_disabled_rules,
                    disabled_categories=b.lt_disabled_categories,
                    picky=b.lt_picky,
                    timeout=b.lt_timeout,
                )
            )
        if b.qe:
            from mtqa.qe import QualityEstimator

            self.qe = QualityEstimator.load(device=b.device, memo=b.memo)  # the LM loads on first use
        if b.model:
            from mtqa.suggest import ModelSuggester

            self.suggester = on_model_thread(ModelSuggester, b.model_spec, b.device, lt_check=self._lt_sentence,
                                             memo=b.memo)
            if self.qe is not None and hasattr(self.suggester.backend, "use_estimate"):
                # the edit tagger reads the estimate's LM pass instead of running its own
                self.suggester.backend.use_estimate(self.qe)
        return self

    def _lt_sentence(self, sentence: str) -> list[Finding]:
        return self.lt.check(sentence) if self.lt is not None else []

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def signature(self, source_qe: bool = False) -> dict:
        """mtqa version, rule-set hash and backend ids (mtqa.run.signature)."""
        return signature(self.lt, self.suggester, self.qe, source_qe)

    def check(
        self,
        text: str,
        path: str = "<text>",
        settings: Settings = Settings(),
        regions: Optional[Sequence[tuple[int, int]]] = None,
        suppressions: Sequence = (),
        source: Optional[str] = None,
        config: Optional[str] = None,
        masks: Optional[Sequence[tuple[int, int]]] = None,
    ) -> Report:
        """One document through every stage.  ``config``: the signature of the configuration
        the settings came from (``Config.signature()``), stamped on the report beside the
        backends' ids; the Report is built once, complete.  ``masks``: inline markup inside
        the prose regions (mtqa.segment.mask_text): every stage reads the text with it
        blanked out, and no finding or edit on it is kept."""
        st = settings
        masks = list(masks or ())
        view = mask_text(text, masks)
        segments = segment_text(view, lines=st.lines, regions=regions)
        sents = only_sentences(segments)
        # A line-aligned source also feeds the source-aware quality estimate.
        qe_sources = source.splitlines() if source is not None and st.lines else None
        qe_texts = [urls_read_plainly(reading_text(text, s.start, s.end, masks) if touches_mask(s.start, s.end, masks)
                                      else s.text) for s in sents]
        # The estimate reads no finding: its LM pass runs on the model thread while the
        # rules and LanguageTool run here.
        estimating = model_future(self.qe.score, qe_texts, sources=qe_sources) if self.qe is not None and sents else None
        with beside_models():
            findings = outside_markup(find(view, sents, st, self.lt, suppressions, source), masks)
        if self.qe is not None:
            estimates, findings = on_model_thread(apply_estimates, self.qe, sents, findings, select=st.select,
                                                  ignore=st.ignore, severity=st.severity, sources=qe_sources,
                                                  texts=qe_texts, estimates=estimating.result() if estimating else None)
        else:
            estimates = []
        candidates = candidates_from_findings(findings)
        if self.suggester is not None and sents:
            model_edits, model_findings = on_model_thread(self.suggester.propose, view, sents, st.select, st.ignore)
            candidates += [e for e in model_edits if not touches_mask(e.start, e.end, masks)]  # never into markup
            findings = by_position(findings + outside_markup(model_findings, masks))
        results = sentence_results(sents, findings, estimates)  # words counted without the markup
        if masks:  # the report shows the text as written
            segments = [dataclasses.replace(s, text=text[s.start:s.end]) for s in segments]
            results = [dataclasses.replace(r, segment=dataclasses.replace(r.segment, text=text[r.segment.start:r.segment.end]))
                       for r in results]
        return Report(
            path=path,
            text=text,
            segments=segments,
            findings=findings,
            edits=resolve(candidates, sents, st.apply_unsafe),
            sentences=results,
            score=document_score(results, estimates),
            words=sum(r.words for r in results),
            penalty=sum(r.penalty for r in results),
            signature={**self.signature(source_qe=bool(estimates) and qe_sources is not None),
                       **({"config": config} if config is not None else {})},
        )
