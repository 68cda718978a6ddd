"""SARIF 2.1.0 for GitHub code scanning: one run, a rule descriptor per rule id that occurs,
one result per finding.

Columns and character offsets are in UTF-16 code units (``run.columnKind`` says so):
that is how JavaScript-based viewers index strings, so positions stay right even in a
viewer that ignores columnKind, and emoji before a finding do not shift it.  Lines follow
SARIF's default newline sequences (CRLF and LF); a lone CR is not a line break.

The pass/fail verdict is the run's (mtqa.report.stats, the one the exit code comes from):
a result's ``level`` is "error" exactly when its finding fails the run (at or above
``--fail-on``), else "warning" (major, critical) or "note" (minor); ``invocations[0]``
carries the exit code (``exitCode``) and the verdict (``properties``), and each document in
``run.properties.documents`` its status and reasons.  ``executionSuccessful`` keeps its
SARIF meaning: false only when a backend failed (Report.errors), not when findings fail
the run.  Rule descriptors' ``defaultConfiguration.level`` is the rule's severity
(critical/major: error, minor: warning), independent of the run's thresholds.  A
result's ``properties.finding_id`` is its finding's id (the JSON report's
``findings[].id``, which the edits made from it name).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import quote

from mtqa.report.stats import DocumentVerdict, Verdict, verdict as judge_all
from mtqa.types import Finding, Report, Severity

SHOWS_VERDICT = True

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FALLBACK_URI = "https://pypi.org/project/mtqa/"
FINGERPRINT_KEY = "mtqaFindingHash/v1"
LT_RULE_URI = "https://community.languagetool.org/rule/show/{}?lang=en-US"


def level(severity: Severity) -> str:
    """A rule's default level, from its severity alone."""
    return {"critical": "error", "major": "error", "minor": "warning"}.get(severity.value, "note")


def result_level(f: Finding, v: DocumentVerdict) -> str:
    """A result's level under the run's verdict: "error" only for a finding that fails it."""
    if v.policy.finding_fails(f):
        return "error"
    return "warning" if f.severity.rank >= Severity.MAJOR.rank else "note"


# ---- positions -------------------------------------------------------------------------

def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column in UTF-16 units) of a Python str offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, _u16(text[line_start:offset]) + 1


def region(text: str, start: int, end: int) -> dict:
    sl, sc = position(text, start)
    el, ec = position(text, end)
    return {
        "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec,
        "charOffset": _u16(text[:start]), "charLength": _u16(text[start:end]),
    }


# ---- artifacts, rules, fingerprints --------------------------------------------------

def artifact_location(path: str) -> dict:
    """A relative URI against %SRCROOT% so that GitHub can map it into the repository;
    an absolute path outside the working directory becomes a file:// URI."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            rel = os.pardir
        if rel.startswith(os.pardir):
            return {"uri": Path(path).absolute().as_uri()}
        path = rel
    p = path.replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return {"uri": quote(p, safe="/"), "uriBaseId": SRCROOT}


def _information_uri() -> str:
    # the project's Homepage URL once packaging declares one; a stable page until then
    try:
        from importlib.metadata import metadata

        for entry in metadata("mtqa").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("homepage", "home", "source", "repository"):
                return url.strip()
    except Exception:  # not installed: metadata is unavailable
        pass
    return FALLBACK_URI


def rule_descriptor(rule_id: str, first: Finding) -> dict:
    from mtqa.checks.rules import get_rule  # the registry imports every rule module: only when needed

    rule = None if rule_id.startswith("LT:") else get_rule(rule_id)
    if rule is not None:
        sev, cat, name = rule.severity, rule.category.value, rule.name or rule_id
        short, full = rule.summary or rule_id, rule.doc or rule.summary or rule_id
        help_uri: Optional[str] = None
    elif rule_id.startswith("LT:"):
        lt_id = rule_id[3:]
        sev, cat, name = first.severity, first.category.value, lt_id
        short = f"LanguageTool rule {lt_id}"
        full = (f"Reported by LanguageTool's rule {lt_id}. mtqa passes LanguageTool's message "
                "through; see LanguageTool's documentation of the rule.")
        help_uri = LT_RULE_URI.format(quote(lt_id))
    else:  # a finding from a rule that is not (or no longer) registered
        sev, cat, name = first.severity, first.category.value, rule_id
        short = full = f"mtqa rule {rule_id}"
        help_uri = None
    d = {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": full},
        "defaultConfiguration": {"level": level(sev)},
        "properties": {"tags": ["mtqa", cat], "severity": sev.value},
    }
    if help_uri:
        d["helpUri"] = help_uri
    return d


def fingerprint(report: Report, f: Finding) -> str:
    """Hash of rule id, flagged text and (whitespace-normalised) sentence: independent of
    where the sentence sits, so baselines survive lines added above it."""
    from mtqa.run.baseline import finding_sentence

    key = "\0".join((f.rule_id, report.text[f.start:f.end], finding_sentence(report, f)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# ---- results ---------------------------------------------------------------------------

def _result(report: Report, f: Finding, rule_index: int, fp: str, v: DocumentVerdict) -> dict:
    loc = artifact_location(report.path)
    reg = region(report.text, f.start, f.end)
    res = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": result_level(f, v),
        "message": {"text": f.message or f.rule_id},
        "locations": [{"physicalLocation": {"artifactLocation": loc, "region": reg}}],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
        "properties": {
            "category": f.category.value, "severity": f.severity.value, "origin": f.origin.value,
            "confidence": round(f.confidence, 3), "replacements": list(f.replacements),
            # the JSON report's findings[].id: its edits[].finding_id name the edits made from it
            "finding_id": f.id,
        },
    }
    if f.safe and f.replacements:
        res["fixes"] = [{
            "description": {"text": f"Replace with “{f.replacements[0]}”"},
            "artifactChanges": [{
                "artifactLocation": loc,
                "replacements": [{"deletedRegion": dict(reg),
                                  "insertedContent": {"text": f.replacements[0]}}],
            }],
        }]
    return res


_EXIT_DESCRIPTION = {0: "passed", 1: "failed: a document below --fail-under or with a finding at --fail-on",
                     2: "an input could not be read", 3: "a backend (LanguageTool, model) failed"}


def _invocation(reports: Sequence[Report], verdict: Verdict) -> dict:
    notes = [
        {"level": "error", "message": {"text": err},
         "locations": [{"physicalLocation": {"artifactLocation": artifact_location(r.path)}}]}
        for r in reports for err in r.errors
    ]
    code = int(verdict.exit_code)
    inv: dict = {"executionSuccessful": not notes, "exitCode": code,
                 "exitCodeDescription": _EXIT_DESCRIPTION[code],
                 "properties": {"verdict": verdict.status,
                                "failed": [d.path for d in verdict.failed]}}
    if notes:
        inv["toolExecutionNotifications"] = notes
    return inv


def _run_properties(reports: Sequence[Report], verdict: Verdict) -> dict:
    docs = [{"path": r.path, "score": r.score, "words": r.words, "penalty": r.penalty,
             "signature": r.signature, "verdict": v.status, "reasons": list(v.reasons),
             **v.policy.to_dict()} for r, v in zip(reports, verdict.documents)]
    props: dict = {"documents": docs}
    sigs = {json.dumps(r.signature, sort_keys=True) for r in reports}
    if len(sigs) == 1:  # one run, one configuration: the usual case
        props["signature"] = reports[0].signature
    return props


def to_sarif(reports: Sequence[Report], verdict: Optional[Verdict] = None) -> dict:
    """The SARIF log; ``verdict`` is the run's (default: nothing fails)."""
    from mtqa import __version__

    if verdict is None:
        verdict = judge_all(reports)

    firsts: dict[str, Finding] = {}
    for r in reports:
        for f in r.findings:
            firsts.setdefault(f.rule_id, f)
    rule_ids = sorted(firsts)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results = []
    for r, v in zip(reports, verdict.documents):
        seen: dict[str, int] = {}
        for f in r.findings:  # in the report's order, which is the text's
            h = fingerprint(r, f)
            seen[h] = seen.get(h, 0) + 1  # tells apart identical sentences in one document
            results.append(_result(r, f, index[f.rule_id], f"{h}:{seen[h]}", v))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mtqa",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": _information_uri(),
                "rules": [rule_descriptor(rid, firsts[rid]) for rid in rule_ids],
            }},
            "invocations": [_invocation(reports, verdict)],
            "columnKind": "utf16CodeUnits",
            "results": results,
            "properties": _run_properties(reports, verdict),
        }],
    }


def render(reports: list[Report], verdict: Optional[Verdict] = None) -> str:
    return json.dumps(to_sarif(reports, verdict), ensure_ascii=False, indent=2) + "\n"
