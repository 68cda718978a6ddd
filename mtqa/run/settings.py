"""What a run is configured with: ``Backends`` (started once per run) and ``Settings``
(what may differ per document).  Every stage reads these; none of them writes them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


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
    # Sentences whose model work (the estimate's LM pass, the post-editor's reviewed
    # output, spaCy's parse: at most mtqa.models.nlp.PARSES of those) is kept in memory:
    # `mtqa serve`, where a document comes back after an edit.
    memo: int = 0


@dataclass(frozen=True)
class Settings:
    """What may differ per document (config overrides by path, CLI flags)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (rule id prefix, severity) overrides
    glossary: tuple = ()  # mtqa.checks.glossary.GlossaryEntry
    lines: bool = False
    apply_unsafe: bool = False
    opt_in: tuple[str, ...] = ()  # rule-id prefixes of off-by-default rules to run
    style: Optional[str] = None  # a house-style profile (mtqa.checks.rules.styles): its rules and fixes

    @property
    def opted_in(self) -> tuple[str, ...]:
        """The opt-in prefixes, the style profile's included."""
        from mtqa.checks.rules.styles import profile_prefixes

        return self.opt_in + profile_prefixes(self.style)
