"""JSON report: one object for a whole run, described by mtqa/schemas/report.schema.json
and docs/json-report.md.  Also home of the counting helpers the other renderers share,
so that every format reports the same numbers."""
from __future__ import annotations

import json
from typing import Sequence

from mtqa import __version__
from mtqa.report import SCHEMA_VERSION
from mtqa.types import Category, Edit, Report, Severity


def edit_status(edit: Edit) -> str:
    """"applied", "rejected" (the meaning guard vetoed it: reason ``guard:<why>``) or
    "suggested" (not applied for any other reason: unsafe, overlap, ...)."""
    if edit.applied:
        return "applied"
    if (edit.reason or "").startswith("guard"):
        return "rejected"
    return "suggested"


def counts(reports: Sequence[Report]) -> dict:
    """Finding and edit counts over ``reports``; every severity and category is present."""
    by_sev = {s.value: 0 for s in Severity}
    by_cat = {c.value: 0 for c in Category}
    edits = {"applied": 0, "suggested": 0, "rejected": 0}
    for r in reports:
        for f in r.findings:
            by_sev[f.severity.value] += 1
            by_cat[f.category.value] += 1
        for e in r.edits:
            edits[edit_status(e)] += 1
    return {
        "findings": sum(by_sev.values()),
        "by_severity": by_sev,
        "by_category": by_cat,
        "edits_applied": edits["applied"],
        "edits_suggested": edits["suggested"],
        "edits_rejected": edits["rejected"],
    }


def mean_score(reports: Sequence[Report]) -> float | None:
    """Word-weighted mean of document scores; a plain mean when no document has words
    (so an all-empty run still scores), None for no documents."""
    if not reports:
        return None
    words = sum(r.words for r in reports)
    if words:
        return round(sum(r.score * r.words for r in reports) / words, 3)
    return round(sum(r.score for r in reports) / len(reports), 3)


def document_dict(r: Report) -> dict:
    return {
        "path": r.path,
        "score": r.score,
        "words": r.words,
        "penalty": r.penalty,
        "signature": dict(r.signature),
        "errors": list(r.errors),
        "sentences": [
            {"start": s.segment.start, "end": s.segment.end, "score": s.score,
             "words": s.words, "penalty": s.penalty}
            for s in r.sentences
        ],
        "boilerplate": [{"start": s.start, "end": s.end} for s in r.segments if s.kind == "boilerplate"],
        "findings": [f.to_dict() for f in r.findings],
        "edits": [e.to_dict() for e in r.edits],
        "post_edited": r.post_edited,
    }


def to_dict(reports: Sequence[Report]) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mtqa", "version": __version__},
        "documents": [document_dict(r) for r in reports],
        "summary": {"documents": len(reports), **counts(reports), "score": mean_score(reports)},
    }


def render(reports: list[Report]) -> str:
    # ensure_ascii=False: article text stays readable; the output is UTF-8 like the input.
    return json.dumps(to_dict(reports), ensure_ascii=False, indent=2) + "\n"
