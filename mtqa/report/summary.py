"""A plain-text table for CI logs: one row per document, then a total row.

The total score is the word-weighted mean of the documents' scores (a plain mean when no
document has words), so one long article counts for more than a one-line one.
Widths are display widths, so paths with CJK or emoji still line up.
"""
from __future__ import annotations

import unicodedata

from mtqa.types import Report, Severity

SEVERITIES = [s.value for s in sorted(Severity, key=lambda s: -s.rank)]
HEADER = ["path", "score", *SEVERITIES, "edits applied", "errors"]
NUMERIC = set(HEADER) - {"path"}


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


def _row(r: Report) -> list[str]:
    by = {s: 0 for s in SEVERITIES}
    for f in r.findings:
        by[f.severity.value] += 1
    applied = sum(e.applied for e in r.edits)
    return [_clean(r.path), f"{r.score:.1f}", *(str(by[s]) for s in SEVERITIES),
            f"{applied}/{len(r.edits)}", str(len(r.errors))]


def total_score(reports: list[Report]) -> float:
    words = sum(r.words for r in reports)
    if words:
        return sum(r.score * r.words for r in reports) / words
    return sum(r.score for r in reports) / len(reports) if reports else 100.0


def _total(reports: list[Report], rows: list[list[str]]) -> list[str]:
    cols = list(zip(*rows)) if rows else [()] * len(HEADER)
    sev = [str(sum(int(v) for v in cols[2 + i])) for i in range(len(SEVERITIES))]
    applied = sum(int(v.split("/")[0]) for v in cols[-2])
    edits = sum(int(v.split("/")[1]) for v in cols[-2])
    return [f"TOTAL ({len(reports)} documents)", f"{total_score(reports):.1f}", *sev,
            f"{applied}/{edits}", str(sum(int(v) for v in cols[-1]))]


def _fmt(cells: list[str], widths: list[int]) -> str:
    out = []
    for name, cell, w in zip(HEADER, cells, widths):
        pad = " " * (w - width(cell))
        out.append(pad + cell if name in NUMERIC else cell + pad)
    return "  ".join(out).rstrip()


def render(reports: list[Report]) -> str:
    rows = [_row(r) for r in reports]
    table = [HEADER, *rows, _total(reports, rows)]
    widths = [max(width(row[i]) for row in table) for i in range(len(HEADER))]
    rule = "  ".join("-" * w for w in widths)
    lines = [_fmt(HEADER, widths), rule, *(_fmt(r, widths) for r in rows), rule, _fmt(table[-1], widths)]
    return "\n".join(lines) + "\n"
