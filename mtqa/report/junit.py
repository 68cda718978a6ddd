"""JUnit XML for CI test views (GitLab, Jenkins, Azure): one <testsuite name="mtqa">, one
<testcase> per document.  A document fails on a finding at or above ``fail_on`` or a score
below ``fail_under``; a backend error becomes <error>, never a pass.

The target is the Jenkins xunit-plugin schema (tests/data/junit.xsd), which allows
<properties> on the suite only, so per-document scores are suite properties named
``score:PATH`` and are repeated in each test case's <system-out>.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Optional, Union

from mtqa.report import line_col
from mtqa.types import Report, Severity

FAIL_UNDER = 60.0
FAIL_ON = "major"

# characters XML 1.0 cannot carry even escaped; messages quote arbitrary input text
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(s: object) -> str:
    return _XML_ILLEGAL.sub("\ufffd", str(s))


def counts(report: Report) -> dict[str, int]:
    c = {s.value: 0 for s in sorted(Severity, key=lambda s: -s.rank)}
    for f in report.findings:
        c[f.severity.value] += 1
    return c


def failure_reasons(report: Report, fail_under: float, fail_on: Optional[Severity]) -> list[str]:
    reasons = []
    if report.score < fail_under:
        reasons.append(f"score {report.score:.1f} < {fail_under:g}")
    if fail_on is not None:
        bad = sum(1 for f in report.findings if f.severity.rank >= fail_on.rank)
        if bad:
            reasons.append(f"{bad} finding(s) at {fail_on.value} or above")
    return reasons


def _seconds(report: Report) -> float:
    # Report has no timing yet; a `seconds` field on it is used once it exists
    return float(getattr(report, "seconds", 0.0) or 0.0)


def _body(report: Report) -> str:
    lines = []
    for f in report.findings:
        line, col = line_col(report.text, f.start)
        message = " ".join(f.message.splitlines())  # one line per finding
        lines.append(f"{line}:{col} {f.rule_id} [{f.severity.value}] {message}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, r: Report, fail_under: float, fail_on: Optional[Severity]) -> tuple[int, int]:
    tc = ET.SubElement(parent, "testcase", classname="mtqa", name=_x(r.path), time=f"{_seconds(r):.3f}")
    c = counts(r)
    summary = (f"score {r.score:.1f}; "
               + ", ".join(f"{n} {sev}" for sev, n in c.items())
               + f"; {len(r.findings)} finding(s)")
    reasons = failure_reasons(r, fail_under, fail_on)
    if reasons:
        fail = ET.SubElement(tc, "failure", type="mtqa.quality",
                             message=_x(f"{'; '.join(reasons)} ({summary})"))
        fail.text = _x(_body(r))
    for err in r.errors:
        ET.SubElement(tc, "error", type="mtqa.tool", message=_x(err)).text = _x(err)
    out = ET.SubElement(tc, "system-out")
    listing = "" if reasons else _body(r)  # a failure already lists the findings
    out.text = _x(f"{summary}\nwords {r.words}; penalty {r.penalty:g}\n{listing}".rstrip())
    return int(bool(reasons)), int(bool(r.errors))


def _severity(fail_on: Union[str, Severity, None]) -> Optional[Severity]:
    if fail_on is None or (isinstance(fail_on, str) and fail_on.lower() in ("", "none", "never")):
        return None
    return Severity(fail_on.lower()) if isinstance(fail_on, str) else fail_on


def render(reports: list[Report], fail_under: Optional[float] = None,
           fail_on: Union[str, Severity, None] = FAIL_ON) -> str:
    threshold = FAIL_UNDER if fail_under is None else fail_under
    sev = _severity(fail_on)
    root = ET.Element("testsuites", name="mtqa")
    suite = ET.SubElement(root, "testsuite", name="mtqa")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="fail_under", value=f"{threshold:g}")
    ET.SubElement(props, "property", name="fail_on", value=sev.value if sev else "none")
    if reports:
        for key, val in sorted(reports[0].signature.items()):
            ET.SubElement(props, "property", name=f"signature:{key}", value=_x("" if val is None else val))
    for r in reports:
        ET.SubElement(props, "property", name=_x(f"score:{r.path}"), value=f"{r.score:.1f}")
    failures = errors = 0
    for r in reports:
        fa, er = _testcase(suite, r, threshold, sev)
        failures, errors = failures + fa, errors + er
    total = f"{sum(_seconds(r) for r in reports):.3f}"
    attrs = {"tests": str(len(reports)), "failures": str(failures), "errors": str(errors), "time": total}
    for el in (root, suite):
        el.attrib.update(attrs)
    suite.set("skipped", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
