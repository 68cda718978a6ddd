"""JUnit XML for CI test views (GitLab, Jenkins, Azure): one <testsuite name="mtqa">, one
<testcase> per document.  Which documents fail, and why, is the run's verdict
(mtqa.report.stats: ``--fail-under`` / ``--fail-on`` or the config; by default nothing
fails), the same one the exit code comes from; a backend error becomes <error>, never a
pass.  Reports carry no timing, so there are no ``time`` attributes (they are optional).

The target is the Jenkins xunit-plugin schema (tests/data/junit.xsd), which allows
<properties> on the suite only, so per-document scores are suite properties named
``score:PATH`` and are repeated in each test case's <system-out>.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Optional, Union

from mtqa.report import line_col
from mtqa.report.stats import DocumentVerdict, Policy, Verdict, severity_counts, verdict as judge_all
from mtqa.types import Report, Severity

SHOWS_VERDICT = True

# characters XML 1.0 cannot carry even escaped; messages quote arbitrary input text
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(s: object) -> str:
    return _XML_ILLEGAL.sub("\ufffd", str(s))


def _body(report: Report) -> str:
    lines = []
    for f in report.findings:
        line, col = line_col(report.text, f.start)
        message = " ".join(f.message.splitlines())  # one line per finding
        lines.append(f"{line}:{col} {f.rule_id} [{f.severity.value}] {message}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, r: Report, v: DocumentVerdict) -> tuple[int, int]:
    tc = ET.SubElement(parent, "testcase", classname="mtqa", name=_x(r.path))
    c = severity_counts(r.findings)
    summary = (f"score {r.score:.1f}; "
               + ", ".join(f"{n} {sev}" for sev, n in c.items())
               + f"; {len(r.findings)} finding(s)")
    if v.reasons:
        fail = ET.SubElement(tc, "failure", type="mtqa.quality",
                             message=_x(f"{'; '.join(v.reasons)} ({summary})"))
        fail.text = _x(_body(r))
    for err in r.errors:
        ET.SubElement(tc, "error", type="mtqa.tool", message=_x(err)).text = _x(err)
    out = ET.SubElement(tc, "system-out")
    listing = "" if v.reasons else _body(r)  # a failure already lists the findings
    out.text = _x(f"{summary}\nwords {r.words}; penalty {r.penalty:g}\n{listing}".rstrip())
    return int(v.failed), int(bool(r.errors))


def render(reports: list[Report], fail_under: Optional[float] = None,
           fail_on: Union[str, Severity, None] = None, verdict: Optional[Verdict] = None) -> str:
    """``verdict`` (the CLI's); without it, one from ``fail_under`` / ``fail_on`` (default:
    nothing fails, like the command line without thresholds)."""
    if verdict is None:
        verdict = judge_all(reports, Policy.of(fail_under, fail_on))
    root = ET.Element("testsuites", name="mtqa")
    suite = ET.SubElement(root, "testsuite", name="mtqa")
    props = ET.SubElement(suite, "properties")
    policies = {v.policy for v in verdict.documents} or {Policy.of(fail_under, fail_on)}
    if len(policies) == 1:  # one policy for the run (per-path config overrides can differ)
        (pol,) = policies
        ET.SubElement(props, "property", name="fail_under", value="none" if pol.fail_under is None else f"{pol.fail_under:g}")
        ET.SubElement(props, "property", name="fail_on", value=pol.to_dict()["fail_on"])
    ET.SubElement(props, "property", name="verdict", value=verdict.status)
    if reports:
        for key, val in sorted(reports[0].signature.items()):
            ET.SubElement(props, "property", name=f"signature:{key}", value=_x("" if val is None else val))
    for r in reports:
        ET.SubElement(props, "property", name=_x(f"score:{r.path}"), value=f"{r.score:.1f}")
    failures = errors = 0
    for r, v in zip(reports, verdict.documents):
        fa, er = _testcase(suite, r, v)
        failures, errors = failures + fa, errors + er
    attrs = {"tests": str(len(reports)), "failures": str(failures), "errors": str(errors)}
    for el in (root, suite):
        el.attrib.update(attrs)
    suite.set("skipped", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
