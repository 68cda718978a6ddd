"""Plain-text report for the terminal: readable without colour, one finding per line in the
``path:line:col: RULE [severity/category] message (→ replacement)`` form editors and IDEs
can jump to."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from mtqa.report import line_col
from mtqa.report.stats import counts, mean_score
from mtqa.types import Finding, Report, Segment, Severity

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n for the next step
_EXCERPT = 72


def clean(s: str) -> str:
    """One line, no control characters: article text must not move the cursor or
    inject terminal escape sequences."""
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def excerpt(s: str, width: int = _EXCERPT) -> str:
    s = clean(s)
    return s if len(s) <= width else s[: width - 1] + "…"


def fmt_score(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def signature_line(sig: dict) -> str:
    # sacrebleu-style: key:value|key:value, stable order as given by the pipeline
    return clean("|".join(f"{k}:{'none' if v is None else v}" for k, v in sig.items()))


def finding_line(r: Report, f: Finding) -> str:
    line, col = line_col(r.text, f.start)
    out = f"{clean(r.path)}:{line}:{col}: {clean(f.rule_id)} [{f.severity.value}/{f.category.value}] {clean(f.message)}"
    if f.replacements:
        out += " (→ " + " | ".join(clean(x) for x in f.replacements) + ")"
    return out


def containing(segments: Iterable[Segment], f: Finding) -> Optional[Segment]:
    for s in segments:
        if s.start <= f.start < s.end or (f.start == f.end == s.end):
            return s
    return None


def render_document(r: Report) -> list[str]:
    out = [f"{clean(r.path)}: score {fmt_score(r.score)} ({r.words} words, penalty {r.penalty:g})"]
    if r.signature:
        out.append(f"  signature: {signature_line(r.signature)}")
    out += [f"  error: {clean(e)}" for e in r.errors]
    scored = {(s.segment.start, s.segment.end): s for s in r.sentences}
    sentences = [s for s in r.segments if s.kind == "sentence"]
    groups: dict[Optional[Segment], list[Finding]] = {}
    for f in r.findings:
        groups.setdefault(containing(sentences, f), []).append(f)
    for seg in sorted(groups, key=lambda s: (s is None, s.start if s else 0)):
        if seg is None:
            out.append("  outside checked sentences:")
        else:
            res = scored.get((seg.start, seg.end))
            line, col = line_col(r.text, seg.start)
            score = f"score {fmt_score(res.score)}" if res else "not scored"
            out.append(f"  sentence {line}:{col} {score}: {excerpt(seg.text)}")
        out += ["    " + finding_line(r, f) for f in sorted(groups[seg], key=lambda f: (f.start, f.end))]
    if not r.findings:
        out.append("  no findings")
    return out


def summary_line(reports: list[Report]) -> str:
    c = counts(reports)
    sev = ", ".join(f"{c['by_severity'][s.value]} {s.value}" for s in sorted(Severity, key=lambda s: -s.rank))
    n = len(reports)
    return (
        f"{n} document{'s' if n != 1 else ''}, score {fmt_score(mean_score(reports))}; "
        f"{c['findings']} finding{'s' if c['findings'] != 1 else ''} ({sev}); "
        f"edits: {c['edits_applied']} applied, {c['edits_suggested']} suggested, "
        f"{c['edits_rejected']} rejected"
    )


def render(reports: list[Report]) -> str:
    lines: list[str] = []
    for r in reports:
        lines += render_document(r) + [""]
    lines.append(summary_line(reports))
    return "\n".join(lines) + "\n"
