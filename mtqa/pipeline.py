"""The pipeline: text -> segments -> findings -> edits -> Report.

A Checker holds the heavy backends (LanguageTool server, models) for a whole run: open it
once with ``with Checker(backends) as checker:`` and call ``checker.check(text, path,
settings)`` for every document (from several threads if you like).  A backend that fails
raises ToolError; it never yields a clean report."""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import threading
from pathlib import Path
from dataclasses import dataclass
from typing import Optional, Sequence

from mtqa import __version__
from mtqa.edits import candidates_from_findings, resolve
from mtqa.errors import InputError, MtqaError
from mtqa.rules import run_rules, ruleset_hash, selected
from mtqa.scoring import findings_in, mqm_score, penalty, word_count
from mtqa.segment import segment_text, sentences as only_sentences
from mtqa.types import Category, Finding, Origin, Report, Segment, SentenceResult, Severity


@dataclass(frozen=True)
class Backends:
    """What is started once per run."""

    languagetool: bool = True
    lt_url: Optional[str] = None
    lt_disabled_rules: tuple[str, ...] = ()
    lt_disabled_categories: tuple[str, ...] = ()
    lt_picky: bool = False
    lt_timeout: float = 30.0  # seconds per request
    model: bool = False  # the seq2seq/causal post-editing model (mtqa.suggest), opt-in
    model_spec: Optional[str] = None  # None: the offline default
    qe: bool = True  # the learned sentence quality estimate (mtqa.qe)
    device: Optional[str] = None




@dataclass(frozen=True)
class Settings:
    """What may differ per document (config overrides by path, CLI flags)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (rule id prefix, severity) overrides
    glossary: tuple = ()  # mtqa.glossary.GlossaryEntry
    lines: bool = False
    apply_unsafe: bool = False
    opt_in: tuple[str, ...] = ()  # rule-id prefixes of off-by-default rules to run
    style: Optional[str] = None  # a house-style profile (mtqa.rules.styles): its rules and fixes

    @property
    def opted_in(self) -> tuple[str, ...]:
        """The opt-in prefixes, the style profile's included."""
        from mtqa.rules.styles import profile_prefixes

        return self.opt_in + profile_prefixes(self.style)


def backend_ids(b: Backends) -> dict:
    """Ids of the backends a run would use, known without starting them (for cache keys):
    LanguageTool's jar version or server URL, the model spec, the QE model's digest."""
    lt = None
    if b.languagetool:
        lt = f"url:{b.lt_url}" if b.lt_url else "local"
        if not b.lt_url:
            try:
                from mtqa.languagetool import find_lt_home

                lt += ":" + (find_lt_home() / "VERSION").read_text(encoding="utf-8").strip()
            except (OSError, MtqaError):
                lt += ":unknown"
        lt += f"|{sorted(b.lt_disabled_rules)}|{sorted(b.lt_disabled_categories)}|{b.lt_picky}"
    qe = None
    if b.qe:
        from mtqa.qe.model import DEFAULT_PATH

        p = Path(DEFAULT_PATH)
        p = p / "model.json" if p.is_dir() else p
        qe = hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p.exists() else "missing"
        src = p.parent / "source.json"
        if src.exists():
            qe += "+" + hashlib.sha256(src.read_bytes()).hexdigest()[:12]
    model = None
    if b.model:
        model = b.model_spec or "default"
        spec = Path(model) if model != "default" else None
        if spec is None or spec.is_dir():  # an adapter: its weights and settings are its id
            from mtqa.suggest.backend import DEFAULT_ADAPTER

            d = spec or DEFAULT_ADAPTER
            digest = hashlib.sha256()
            for name in ("adapter.json", "adapter.safetensors", "config.json"):
                if (d / name).is_file():
                    digest.update((d / name).read_bytes())
            model += ":" + digest.hexdigest()[:12]
    return {"languagetool": lt, "model": model, "qe": qe}


class Checker:
    def __init__(self, backends: Backends = Backends()):
        self.backends = backends
        self._stack = contextlib.ExitStack()
        self.lt = None
        self.qe = None
        self.suggester = None
        self._lock = threading.Lock()  # torch models are shared by the worker threads

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
                    timeout=b.lt_timeout,
                )
            )
        if b.qe:
            from mtqa.qe import QualityEstimator

            self.qe = QualityEstimator.load(device=b.device)
        if b.model:
            from mtqa.suggest import ModelSuggester

            self.suggester = ModelSuggester(b.model_spec, b.device, lt_check=self._lt_sentence)
        return self

    def _lt_sentence(self, sentence: str) -> list[Finding]:
        return self.lt.check(sentence) if self.lt is not None else []

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def signature(self, source_qe: bool = False) -> dict:
        """mtqa version, rule-set hash and backend ids: stamped on every report (with
        ``qe_source`` when the sentence scores used the source-aware model)."""
        sig = {
            "mtqa": __version__,
            "rules": ruleset_hash(),
            "languagetool": self.lt.version if self.lt is not None else None,
            "model": self.suggester.model_id if self.suggester is not None else None,
            "qe": self.qe.model_id if self.qe is not None else None,
        }
        if source_qe and self.qe is not None and self.qe.source_model_id:
            sig["qe_source"] = self.qe.source_model_id
        return sig

    # -- stages ---------------------------------------------------------------------------
    def _findings(self, text: str, sents, st: Settings, suppressions, source: Optional[str] = None) -> list[Finding]:
        from mtqa.languagetool.policy import lt_enabled, not_prose, quote_spans_paragraphs
        from mtqa.rules import DocumentContext
        from mtqa.rules.styles import demote_style

        opt_in = st.opted_in
        ctx = DocumentContext(text=text, sentences=list(sents), source=source, glossary=st.glossary)
        found = run_rules(text, sents, select=st.select, ignore=st.ignore, opt_in=opt_in, context=ctx)
        if st.glossary and selected("GLO001", st.select, st.ignore):
            from mtqa.glossary import check_glossary

            found += check_glossary(text, sents, st.glossary)
        if self.lt is not None and sents:
            # Only what lies inside checked sentences: boilerplate and markup stay unflagged;
            # not what one of our rules already says about the same words; no spelling
            # finding on a name (mtqa.names); and only LanguageTool rules that are on.
            lt = [f for f in self.lt.check(_only_sentences(text, sents))
                  if lt_enabled(f.rule_id, st.select, st.ignore, opt_in)
                  and any(s.start <= f.start and f.end <= s.end for s in sents)
                  and not _said_by_rule(f, found)]
            if not st.lines:
                lt = [f for f in lt if not quote_spans_paragraphs(text, f.rule_id, f.start)]
            if any(f.category == Category.SPELLING for f in lt):
                names = ctx.names
                # A name is not a typo.  Keeping "clear typos" of common names ("Moskow")
                # was tried: on WMT22 news it flagged correct names ("Sirte" -> "Site",
                # "Alexandr") on the human reference, so the name index wins.
                lt = [f for f in lt if f.category != Category.SPELLING
                      or not (names.covers(f.start, f.end, text) or not_prose(text, f.start, f.end))]
            found += lt
        found = demote_style(found, st.style)
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
        source: Optional[str] = None,
        config: Optional[str] = None,
    ) -> Report:
        """One document through every stage.  ``config``: the signature of the configuration
        the settings came from (``Config.signature()``), stamped on the report beside the
        backends' ids; the Report is built once, complete."""
        segments = segment_text(text, lines=settings.lines, regions=regions)
        sents = only_sentences(segments)
        findings = self._findings(text, sents, settings, suppressions, source)
        if source is not None:
            findings = sorted(findings + _source_findings(text, sents, source, settings),
                              key=lambda f: (f.start, f.end, f.rule_id))
        # A line-aligned source also feeds the source-aware quality estimate.
        qe_sources = source.splitlines() if source is not None and settings.lines else None
        estimates, findings = self._estimates(sents, findings, settings, qe_sources)
        candidates = candidates_from_findings(findings)
        if self.suggester is not None and sents:
            with self._lock:
                model_edits = self.suggester.suggest(text, sents)
            model_edits = [e for e in model_edits if selected(e.rule_id, settings.select, settings.ignore)]
            if not self.suggester.calibrated:
                # A model whose guard thresholds were not tuned on held-out post-edits (the
                # few-shot base model, any --model of the user's) only suggests: the
                # few-shot SmolLM2's accepted edits had 0% precision on MLQE-PE dev.
                # --unsafe applies them anyway.
                model_edits = [dataclasses.replace(e, safe=False) for e in model_edits]
            # A guard-accepted model edit is reported as a finding too; the edit carries its id.
            for e in model_edits:
                f = self.suggester.finding_for(e)
                if f is not None:
                    findings.append(f)
                    e = dataclasses.replace(e, finding_id=f.id)
                candidates.append(e)
            findings.sort(key=lambda f: (f.start, f.end, f.rule_id))
        edits = resolve(candidates, sents, settings.apply_unsafe)
        results = []
        for k, s in enumerate(sents):
            # Model suggestions are not problems found; they do not lower the score.
            mine = [f for f in findings_in(s, findings) if f.origin != Origin.MODEL]
            w = word_count(s.text)
            p = penalty(mine)
            score = estimates[k] if estimates else mqm_score(p, w)
            results.append(SentenceResult(segment=s, score=round(score, 2), words=w, penalty=p))
        words = sum(r.words for r in results)
        pen = sum(r.penalty for r in results)
        if estimates:  # the word-weighted mean of the sentence estimates
            weights = [max(r.words, 1) for r in results]
            doc_score = sum(r.score * w for r, w in zip(results, weights)) / sum(weights)
        else:
            doc_score = mqm_score(pen, words)
        return Report(
            path=path,
            text=text,
            segments=segments,
            findings=findings,
            edits=edits,
            sentences=results,
            score=round(doc_score, 2),
            words=words,
            penalty=pen,
            signature={**self.signature(source_qe=bool(estimates) and qe_sources is not None),
                       **({"config": config} if config is not None else {})},
        )

    def _estimates(self, sents, findings: list[Finding], settings: Settings,
                   sources: Optional[list[str]] = None) -> tuple[list[float], list[Finding]]:
        """QE sentence estimates (0-100; empty without a QE model) and the findings as the
        estimates weigh them (``mtqa.qe.policy``): QE001 on a sentence that scores low while
        no finding explains it, majors kept major only where the estimate agrees, and
        LanguageTool's soft findings dropped from fluent sentences.  ``sources``: one
        source line per sentence (--source with --lines)."""
        from mtqa.qe.policy import LOW_QE, low_quality_finding, weigh

        if self.qe is None or not sents:
            return [], findings
        with self._lock:
            est = self.qe.score([s.text for s in sents], [findings_in(s, findings) for s in sents],
                                sources=sources)
            out = weigh(findings, sents, est)
            if settings.severity:  # the user's severities win over the estimate's
                out = [_override(f, settings.severity) for f in out]
            if selected("QE001", settings.select, settings.ignore):
                for s, q in zip(sents, est):
                    if q >= LOW_QE or not s.text.strip() or findings_in(s, findings):
                        continue
                    hint = next(iter(self.qe.surprising_words(s.text, k=1)), None)
                    out.append(low_quality_finding(s, q, hint[:2] if hint else None))
        out.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return est, out


# LanguageTool rules that flag exactly what one of our rules flags (with our own fix).
LT_EQUIVALENTS = {
    "LT:CURRENCY_SPACE": "NUM001",
    "LT:ENGLISH_WORD_REPEAT_RULE": "PUN003",
    "LT:WHITESPACE_RULE": "PUN004",
    "LT:COMMA_PARENTHESIS_WHITESPACE": "PUN004",
}


def _said_by_rule(f: Finding, rule_findings: Sequence[Finding]) -> bool:
    """Whether one of our rules already says this: LanguageTool's twin of the rule on the
    same words, or a spelling finding inside a rule's span ("mln" in NUM005's "5 mln")."""
    if f.category == Category.SPELLING and any(r.start <= f.start and f.end <= r.end for r in rule_findings):
        return True
    twin = LT_EQUIVALENTS.get(f.rule_id)
    return twin is not None and any(
        r.rule_id == twin and r.start < max(f.end, f.start + 1) and f.start < max(r.end, r.start + 1)
        for r in rule_findings
    )


def _only_sentences(text: str, sents) -> str:
    """The text with everything outside sentences (boilerplate, markup, code) blanked out,
    line breaks kept: LanguageTool sees only prose, and its offsets stay those of text."""
    if sents and sents[0].start == 0 and sents[-1].end == len(text) and len(sents) == 1:
        return text
    chars = [c if c in "\r\n" else " " for c in text]
    for seg in sents:
        chars[seg.start:seg.end] = text[seg.start:seg.end]
    return "".join(chars)


def _source_findings(text: str, sents, source: str, st: Settings) -> list[Finding]:
    """--source: line-aligned with --lines (one source line per input line), else the
    whole document against the whole source."""
    from mtqa.source_checks import check_source

    if st.lines:
        src_lines = source.splitlines()
        if len(src_lines) != len(sents):
            raise InputError(f"--source has {len(src_lines)} lines but the input has {len(sents)}")
        pairs = [(s, src) for s, src in zip(sents, src_lines)]
    else:
        start = sents[0].start if sents else 0
        end = sents[-1].end if sents else 0
        pairs = [(Segment(start, end, text[start:end]), source)] if sents else []
    out = []
    for seg, src in pairs:
        for f in check_source(seg.text, src):
            if selected(f.rule_id, st.select, st.ignore):
                out.append(dataclasses.replace(f, start=f.start + seg.start, end=f.end + seg.start))
    return out


def _override(f: Finding, severity: Sequence[tuple[str, str]]) -> Finding:
    from mtqa.config import configured_severity

    sev = configured_severity(severity, f.rule_id)
    return dataclasses.replace(f, severity=Severity(sev)) if sev else f
