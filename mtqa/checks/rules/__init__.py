"""Rule registry (explicit, proselint-style): every rule module exposes ``RULES``, a tuple
of Rule classes, and is listed in ``_MODULES``.  Ids are stable; their prefix is the
rule family, so selecting "NUM" selects every number/locale rule."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
import importlib
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from mtqa import source_digest
from mtqa.checks.rules.base import DocumentContext, Example, Rule, Sentence
from mtqa.checks.select import enabled
from mtqa.types import Finding, Segment

_MODULES = (
    # filled by the rule modules, one module per rule or rule family
    "articles",
    "names",
    "numbers",
    "passive",
    "phrases",
    "punctuation",
    "script",
    "tense",
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for name in _MODULES:
        mod = importlib.import_module(f"mtqa.checks.rules.{name}")
        rules.extend(cls() for cls in mod.RULES)
    ids = [r.id for r in rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:  # pragma: no cover - a programming error caught by the test suite
        raise RuntimeError(f"duplicate rule ids: {sorted(dupes)}")
    return tuple(sorted(rules, key=lambda r: r.id))


def get_rule(rule_id: str) -> Optional[Rule]:
    for r in all_rules():
        if r.id.lower() == rule_id.lower():
            return r
    return None


# Finding sources that are not Rule classes: the glossary, the QE fluency finding, the
# source checks; and the families whose ids are open-ended (LanguageTool's rules, the
# model's errant types).
OTHER_IDS = ("GLO001", "QE001", "SRC001", "SRC002", "SRC003", "SRC004", "SRC005", "SRC006")
OPEN_FAMILIES = ("LT:", "MDL:")


def known_prefix(prefix: str) -> bool:
    """Whether some finding id starts with ``prefix`` (LT:/MDL: ids are open-ended)."""
    ids = [r.id for r in all_rules()] + list(OTHER_IDS) + list(OPEN_FAMILIES)
    return any(i.startswith(prefix) for i in ids) or prefix.startswith(OPEN_FAMILIES)


def check_prefixes(prefixes: Sequence[str], what: str) -> None:
    """An unknown rule id or prefix is a usage error: a typo in --select would otherwise
    run nothing and report a clean document."""
    from mtqa.errors import InputError

    for p in prefixes:
        if not p or not known_prefix(p):
            import difflib

            close = difflib.get_close_matches(p, [r.id for r in all_rules()] + list(OTHER_IDS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see `mtqa rules`)"
            raise InputError(f"{what}: unknown rule id or prefix {p!r}{hint}")


def ruleset_hash() -> str:
    """Changes whenever a rule's id, severity, documentation or data changes, or the code of
    the checks stage (``mtqa/checks``: the rules, which LanguageTool findings are kept, what
    counts as a name, the source checks, and their data files): a running service with
    other rules would otherwise give another finding or message than this code does."""
    h = hashlib.sha256()
    for r in all_rules():
        h.update(f"{r.id}|{r.category.value}|{r.severity.value}|{r.default}|{r.style}|{r.doc}".encode())
        h.update(getattr(r, "data_signature", lambda: b"")())
    h.update(source_digest(Path(__file__).resolve().parents[1]).encode())
    return h.hexdigest()[:12]


def run_rules(
    text: str,
    sentences: Sequence[Segment],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    opt_in: Sequence[str] = (),
    context: Optional[DocumentContext] = None,
) -> list[Finding]:
    """Run every enabled rule on every sentence; offsets come back in document terms."""
    ctx = context or DocumentContext(text=text, sentences=list(sentences))
    rules = [r for r in all_rules() if enabled(r.id, select, ignore, opt_in, r.default)]
    out: list[Finding] = []
    for seg in sentences:
        view = Sentence(segment=seg, document=ctx)
        for rule in rules:
            for f in rule.check(view):
                out.append(dataclasses.replace(f, start=f.start + seg.start, end=f.end + seg.start))
    out.sort(key=lambda f: (f.start, f.end, f.rule_id))
    return out


__all__ = ["Rule", "Example", "Sentence", "DocumentContext", "all_rules", "get_rule", "run_rules", "ruleset_hash"]
