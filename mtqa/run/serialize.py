"""Report <-> plain dict (JSON-able), lossless: report_from_dict(report_to_dict(r)) == r
for every field, floats unrounded.  Used by the result cache; the JSON *report* format
for users is mtqa.report.json_report, which is free to round and to add derived fields."""
from __future__ import annotations

from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, SentenceResult, Severity

# 2: edits carry finding_id (a format-1 entry is a cache miss, not a report without links)
FORMAT = 2


def _seg(s: Segment) -> dict:
    return {"start": s.start, "end": s.end, "text": s.text, "kind": s.kind, "paragraph": s.paragraph}


def _finding(f: Finding) -> dict:
    return {"rule_id": f.rule_id, "category": f.category.value, "severity": f.severity.value,
            "start": f.start, "end": f.end, "message": f.message, "replacements": list(f.replacements),
            "origin": f.origin.value, "safe": f.safe, "confidence": f.confidence}


def _edit(e: Edit) -> dict:
    return {"start": e.start, "end": e.end, "replacement": e.replacement, "origin": e.origin.value,
            "rule_id": e.rule_id, "confidence": e.confidence, "safe": e.safe, "applied": e.applied,
            "reason": e.reason, "finding_id": e.finding_id}


def report_to_dict(report: Report) -> dict:
    return {
        "format": FORMAT,
        "path": report.path,
        "text": report.text,
        "segments": [_seg(s) for s in report.segments],
        "findings": [_finding(f) for f in report.findings],
        "edits": [_edit(e) for e in report.edits],
        "sentences": [{"segment": _seg(s.segment), "score": s.score, "words": s.words, "penalty": s.penalty}
                      for s in report.sentences],
        "score": report.score,
        "words": report.words,
        "penalty": report.penalty,
        "signature": report.signature,
        "errors": list(report.errors),
    }


def _seg_from(d: dict) -> Segment:
    return Segment(d["start"], d["end"], d["text"], d["kind"], d["paragraph"])


def _check(r: Report) -> Report:
    """A dict that is valid JSON but not a report mtqa could have made (a string score,
    offsets past the text, a segment whose text is not the text at its offsets) is
    refused: a cache entry is trusted only when it is consistent."""
    n = len(r.text)

    def num(x, lo=None, hi=None):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or x != x:
            raise ValueError(f"not a number: {x!r}")
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            raise ValueError(f"out of range: {x!r}")

    def span(a, b):
        if not (isinstance(a, int) and isinstance(b, int)) or isinstance(a, bool) or not 0 <= a <= b <= n:
            raise ValueError(f"bad span {a!r}..{b!r} in a text of {n}")

    if not isinstance(r.text, str) or not isinstance(r.path, str):
        raise ValueError("text and path must be strings")
    for seg in r.segments + [s.segment for s in r.sentences]:
        span(seg.start, seg.end)
        if r.text[seg.start:seg.end] != seg.text:
            raise ValueError("segment text does not match its offsets")
    for f in r.findings:
        span(f.start, f.end)
        num(f.confidence, 0, 1)
        if not all(isinstance(x, str) for x in (f.rule_id, f.message, *f.replacements)):
            raise ValueError("finding fields must be strings")
    for e in r.edits:
        span(e.start, e.end)
        num(e.confidence, 0, 1)
        if not isinstance(e.replacement, str) or not isinstance(e.applied, bool) \
                or not isinstance(e.finding_id, (str, type(None))):
            raise ValueError("bad edit")
    for s in r.sentences:
        num(s.score, 0, 100)
        num(s.words, 0)
        num(s.penalty, 0)
    num(r.score, 0, 100)
    num(r.words, 0)
    num(r.penalty, 0)
    return r


def report_from_dict(d: dict) -> Report:
    """Raises ValueError (or KeyError/TypeError) on a dict not made by report_to_dict, or
    one whose values are not consistent (see ``_check``)."""
    if d.get("format") != FORMAT:
        raise ValueError(f"unsupported report format {d.get('format')!r}")
    return _check(Report(
        path=d["path"],
        text=d["text"],
        segments=[_seg_from(s) for s in d["segments"]],
        findings=[Finding(f["rule_id"], Category(f["category"]), Severity(f["severity"]), f["start"], f["end"],
                          f["message"], tuple(f["replacements"]), Origin(f["origin"]), f["safe"], f["confidence"])
                  for f in d["findings"]],
        edits=[Edit(e["start"], e["end"], e["replacement"], Origin(e["origin"]), e["rule_id"], e["confidence"],
                    e["safe"], e["applied"], e["reason"], e["finding_id"]) for e in d["edits"]],
        sentences=[SentenceResult(_seg_from(s["segment"]), s["score"], s["words"], s["penalty"])
                   for s in d["sentences"]],
        score=d["score"],
        words=d["words"],
        penalty=d["penalty"],
        signature=dict(d["signature"]),
        errors=list(d["errors"]),
    ))
