"""Findings -> edits: candidate edits, overlap resolution, the meaning guard, and applying
edits so that nothing outside their spans changes (``apply_edits``, defined with the Edit
type in mtqa.types, which Report.post_edited uses too)."""
from __future__ import annotations

import dataclasses
from bisect import bisect_right
from typing import Iterable, Optional, Sequence

from mtqa.edits.invariants import check_invariants
from mtqa.types import Edit, Finding, Segment, apply_edits


def candidates_from_findings(findings: Iterable[Finding]) -> list[Edit]:
    """The first replacement of every finding that has one becomes a candidate edit,
    carrying the finding's id."""
    return [
        Edit(f.start, f.end, f.replacements[0], f.origin, f.rule_id, f.confidence, f.safe, finding_id=f.id)
        for f in findings
        if f.replacements
    ]


def _sentence_of(edit: Edit, sentences: Sequence[Segment], starts: Optional[list[int]] = None) -> Optional[Segment]:
    """The sentence holding the edit (``starts``: the sorted sentences' starts, for bisect)."""
    if starts is None:
        return next((s for s in sentences if s.start <= edit.start and edit.end <= s.end), None)
    k = bisect_right(starts, edit.start) - 1
    # an insertion at a boundary may belong to the sentence that ends there
    for s in (sentences[k] if k >= 0 else None, sentences[k - 1] if k >= 1 else None):
        if s is not None and s.start <= edit.start and edit.end <= s.end:
            return s
    return None


def _apply_in(seg: Segment, edits: Sequence[Edit]) -> str:
    shifted = [dataclasses.replace(e, start=e.start - seg.start, end=e.end - seg.start) for e in edits]
    return apply_edits(seg.text, shifted)


def spans_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two edits cannot both be applied: their spans share text, an insertion lies
    strictly inside the other span, or both insert at one point (their order would be
    arbitrary).  Edits that only touch do not overlap.  (The review page's script follows
    the same rule.)"""
    if a_start == a_end and b_start == b_end:
        return a_start == b_start
    if a_start == a_end:
        return b_start < a_start < b_end
    if b_start == b_end:
        return a_start < b_start < a_end
    return a_start < b_end and b_start < a_end


def _overlaps(a: Edit, b: Edit) -> bool:
    return spans_overlap(a.start, a.end, b.start, b.end)


def resolve(
    candidates: Sequence[Edit], sentences: Sequence[Segment], apply_unsafe: bool = False
) -> list[Edit]:
    """Decide which candidate edits are applied.

    Each candidate must lie inside one sentence and keep the meaning invariants
    (mtqa.edits.invariants) when applied alone; unsafe ones are only applied with ``apply_unsafe``;
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
    sentences = sorted(sentences, key=lambda s: (s.start, s.end))
    starts = [s.start for s in sentences]
    result: list[Optional[Edit]] = [None] * len(candidates)
    accepted: dict[int, list[Edit]] = {}  # by sentence: an edit can only clash inside its own
    for i in order:
        e = candidates[i]
        reason = e.reason
        seg = _sentence_of(e, sentences, starts)
        if reason is None and seg is None:
            reason = "outside-sentence"
        if reason is None:
            why = check_invariants(seg.text, _apply_in(seg, [e]))
            if why:
                reason = f"guard:{why}"
        if reason is None and not (e.safe or apply_unsafe):
            reason = "unsafe"
        if reason is None:
            clash = next((a for a in accepted.get(seg.start, ()) if _overlaps(a, e)), None)
            if clash is not None:
                reason = f"overlap:{clash.rule_id}"
        if reason is None:
            e = dataclasses.replace(e, applied=True, reason=None)
            accepted.setdefault(seg.start, []).append(e)
        else:
            e = dataclasses.replace(e, applied=False, reason=reason)
        result[i] = e
    # Whole-sentence re-check: edits that each keep the invariants could still break them
    # together; then none of that sentence's edits is applied.
    by_sentence: dict[int, list[int]] = {}
    for i, e in enumerate(result):
        if e.applied:
            by_sentence.setdefault(_sentence_of(e, sentences, starts).start, []).append(i)
    for seg in sentences:
        mine = by_sentence.get(seg.start, [])
        if len(mine) > 1:
            why = check_invariants(seg.text, _apply_in(seg, [result[i] for i in mine]))
            if why:
                for i in mine:
                    result[i] = dataclasses.replace(result[i], applied=False, reason=f"guard:combined-{why}")
    return [e for e in result if e is not None]
