"""JSON Lines: one object per finding, then one per document; every line has a "type"
("finding" or "document") so a stream of several documents can be filtered with jq.
``start``/``end`` are Python str offsets; ``line``/``col`` are 1-based, columns in code points."""
from __future__ import annotations

import json

from mtqa.report import SCHEMA_VERSION, line_col
from mtqa.types import Finding, Report, Severity


# JSON allows these raw inside strings, but str.splitlines() and some readers break lines
# on them; escaped, every record stays on one physical line for every reader.
_LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _dump(obj: dict) -> str:
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in _LINE_BREAKERS.items():
        s = s.replace(ch, esc)
    return s


def finding_line(report: Report, f: Finding) -> dict:
    line, col = line_col(report.text, f.start)
    end_line, end_col = line_col(report.text, f.end)
    d = f.to_dict()
    return {"type": "finding", "path": report.path, "line": line, "col": col,
            "end_line": end_line, "end_col": end_col, "text": report.text[f.start:f.end], **d}


def document_line(report: Report) -> dict:
    by_sev = {s.value: 0 for s in Severity}
    for f in report.findings:
        by_sev[f.severity.value] += 1
    return {
        "type": "document", "schema_version": SCHEMA_VERSION, "path": report.path,
        "score": report.score, "words": report.words, "penalty": report.penalty,
        "findings": len(report.findings), "by_severity": by_sev,
        "edits": len(report.edits), "edits_applied": sum(e.applied for e in report.edits),
        "errors": list(report.errors), "signature": report.signature,
    }


def render(reports: list[Report]) -> str:
    out = []
    for r in reports:
        out.extend(_dump(finding_line(r, f)) for f in r.findings)
        out.append(_dump(document_line(r)))
    return "".join(line + "\n" for line in out)
