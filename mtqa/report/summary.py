"""A plain-text table for CI logs: one row per document, then a total row, then one line
per failing document with the reasons.

The ``verdict`` column is the run's verdict (mtqa.report.stats, the one the exit code comes
from): "pass", "FAIL" or "error" (a backend error); the total row's is the run's.  The total
score is the word-weighted mean of the documents' scores (stats.mean_score: the JSON
report's ``summary.score``).  Widths are display widths, so paths with CJK or emoji still
line up.
"""
from __future__ import annotations

import unicodedata
from typing import Optional

from mtqa.report.stats import SEVERITIES as _SEV, DocumentVerdict, Verdict, mean_score, severity_counts
from mtqa.report.stats import verdict as judge_all
from mtqa.types import Report

SHOWS_VERDICT = True
SEVERITIES = [s.value for s in _SEV]
HEADER = ["path", "score", *SEVERITIES, "edits applied", "errors", "verdict"]
NUMERIC = set(HEADER) - {"path", "verdict"}
STATUS = {"passed": "pass", "failed": "FAIL", "error": "error"}


def width(s: str) -> int:
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
            continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w


def _clean(path: str) -> str:
    # control characters (a newline in a file name) would break the table's rows
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in path)


def _row(r: Report, v: DocumentVerdict) -> list[str]:
    by = severity_counts(r.findings)
    applied = sum(e.applied for e in r.edits)
    return [_clean(r.path), f"{r.score:.1f}", *(str(by[s]) for s in SEVERITIES),
            f"{applied}/{len(r.edits)}", str(len(r.errors)), STATUS[v.status]]


def _total(reports: list[Report], verdict: Verdict) -> list[str]:
    by = severity_counts(f for r in reports for f in r.findings)
    applied = sum(e.applied for r in reports for e in r.edits)
    edits = sum(len(r.edits) for r in reports)
    score = mean_score(reports)
    return [f"TOTAL ({len(reports)} documents)", "n/a" if score is None else f"{score:.1f}",
            *(str(by[s]) for s in SEVERITIES), f"{applied}/{edits}",
            str(sum(len(r.errors) for r in reports)), STATUS[verdict.status]]


def _fmt(cells: list[str], widths: list[int]) -> str:
    out = []
    for name, cell, w in zip(HEADER, cells, widths):
        pad = " " * (w - width(cell))
        out.append(pad + cell if name in NUMERIC else cell + pad)
    return "  ".join(out).rstrip()


def render(reports: list[Report], verdict: Optional[Verdict] = None) -> str:
    """The table; ``verdict`` is the run's (default: nothing fails)."""
    if verdict is None:
        verdict = judge_all(reports)
    rows = [_row(r, v) for r, v in zip(reports, verdict.documents)]
    table = [HEADER, *rows, _total(reports, verdict)]
    widths = [max(width(row[i]) for row in table) for i in range(len(HEADER))]
    rule = "  ".join("-" * w for w in widths)
    lines = [_fmt(HEADER, widths), rule, *(_fmt(r, widths) for r in rows), rule, _fmt(table[-1], widths)]
    lines += [f"FAIL {_clean(v.path)}: {'; '.join(v.reasons)}" for v in verdict.failed]
    return "\n".join(lines) + "\n"
