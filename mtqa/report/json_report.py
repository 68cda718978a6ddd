"""JSON report: one object for a whole run, described by mtqa/schemas/report.schema.json
and docs/json-report.md.  The counts and the mean score come from mtqa.report.stats, the
home of the numbers every format shares (re-exported here for older imports)."""
from __future__ import annotations

import json
from typing import Sequence

from mtqa import __version__
from mtqa.report import SCHEMA_VERSION
from mtqa.report.stats import counts, edit_status, mean_score  # noqa: F401  (re-exported)
from mtqa.types import Report


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
