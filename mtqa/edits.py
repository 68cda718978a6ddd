"""Findings -> edits: candidate edits, overlap resolution, the meaning guard, and applying
edits so that nothing outside their spans changes."""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional, Sequence

from mtqa.guard import check_invariants
from mtqa.types import Edit, Finding, Segment


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; text outside their spans is preserved exactly."""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def candidates_from_findings(findings: Iterable[Finding]) -> list[Edit]:
    """The first replacement of every finding that has one becomes a candidate edit."""
    return [
        Edit(f.start, f.end, f.replacements[0], f.origin, f.rule_id, f.confidence, f.safe)
        for f in findings
        if f.replacements
    ]


def _sentence_of(edit: Edit, sentences: Sequence[Segment]) -> Optional[Segment]:
    for s in sentences:
        if s.start <= edit.start and edit.end <= s.end:
            return s
    return None


def _apply_in(seg: Segment, edits: Sequence[Edit]) -> str:
    shifted = [dataclasses.replace(e, start=e.start - seg.start, end=e.end - seg.start) for e in edits]
    return apply_edits(seg.text, shifted)


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one point: order would be arbitrary
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def resolve(
    candidates: Sequence[Edit], sentences: Sequence[Segment], apply_unsafe: bool = False
) -> list[Edit]:
    """Decide which candidate edits are applied.

    Each candidate must lie inside one sentence and keep the meaning invariants
    (mtqa.guard) when applied alone; unsafe ones are only applied with ``apply_unsafe``;
    among overlapping ones the safer, more confident, shorter edit wins.  Edits already
    carrying a reason (e.g. rejected by the model guard) stay unapplied.  Finally every
    changed sentence is re-checked as a whole."""
    order = sorted(
        range(len(candidates)),
        key=lambda i: (
            candidates[i].reason is not None,
            not candidates[i].safe,
            -candidates[i].confidence,
            candidates[i].end - candidates[i].start,
            candidates[i].start,
        ),
    )
    result: list[Optional[Edit]] = [None] * len(candidates)
    accepted: list[Edit] = []
    for i in order:
        e = candidates[i]
        reason = e.reason
        seg = _sentence_of(e, sentences)
        if reason is None and seg is None:
            reason = "outside-sentence"
        if reason is None:
            why = check_invariants(seg.text, _apply_in(seg, [e]))
            if why:
                reason = f"guard:{why}"
        if reason is None and not (e.safe or apply_unsafe):
            reason = "unsafe"
        if reason is None:
            clash = next((a for a in accepted if _overlaps(a, e)), None)
            if clash is not None:
                reason = f"overlap:{clash.rule_id}"
        if reason is None:
            e = dataclasses.replace(e, applied=True, reason=None)
            accepted.append(e)
        else:
            e = dataclasses.replace(e, applied=False, reason=reason)
        result[i] = e
    # Whole-sentence re-check: edits that each keep the invariants could still break them
    # together; then none of that sentence's edits is applied.
    for seg in sentences:
        mine = [i for i, e in enumerate(result) if e.applied and seg.start <= e.start and e.end <= seg.end]
        if len(mine) > 1:
            why = check_invariants(seg.text, _apply_in(seg, [result[i] for i in mine]))
            if why:
                for i in mine:
                    result[i] = dataclasses.replace(result[i], applied=False, reason=f"guard:combined-{why}")
    return [e for e in result if e is not None]
