"""Baselines for CI: record today's findings, then fail only on new ones.

A finding's fingerprint is sha256(rule id | path | flagged text | normalized text of the
sentence it is in), so it survives lines added or removed elsewhere in the file, but not
an edit to the sentence itself.  Fingerprints are counted: if a sentence held one
baselined finding and now holds two identical ones, one of them is new."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from mtqa.errors import InputError
from mtqa.inputs.globs import normalize_path
from mtqa.inputs.io import write_text_atomic
from mtqa.types import Finding, Report

VERSION = 1


def _norm(s: str) -> str:
    return " ".join(s.split())


def finding_sentence(report: Report, f: Finding) -> str:
    """The whitespace-normalised sentence a finding sits in: what fingerprints (this
    baseline's, SARIF's partialFingerprints) hash so they survive lines added above."""
    for seg in report.segments:
        if seg.start <= f.start < seg.end or seg.start == f.start == seg.end:
            return _norm(report.text[seg.start:seg.end])
    # Outside every segment: fall back to the line, still robust to line shifts.
    s = report.text.rfind("\n", 0, f.start) + 1
    e = report.text.find("\n", f.end)
    return _norm(report.text[s : e if e >= 0 else len(report.text)])


def fingerprint(report: Report, f: Finding) -> str:
    parts = (f.rule_id, normalize_path(report.path), report.text[f.start : f.end], finding_sentence(report, f))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass(frozen=True)
class Baseline:
    counts: Counter

    def __len__(self) -> int:
        return sum(self.counts.values())


def _entries(reports: Iterable[Report]) -> list[dict]:
    out = []
    for r in reports:
        for f in r.findings:
            out.append({"fingerprint": fingerprint(r, f), "rule_id": f.rule_id, "path": normalize_path(r.path),
                        "text": r.text[f.start : f.end], "sentence": finding_sentence(r, f)})
    return sorted(out, key=lambda e: (e["path"], e["rule_id"], e["sentence"], e["text"]))


def write_baseline(reports: Iterable[Report], path: str) -> int:
    """Write every finding of ``reports``; returns how many.  The entries keep the rule,
    path and text next to each fingerprint so that a reviewer can read the file."""
    entries = _entries(reports)
    blob = json.dumps({"version": VERSION, "findings": entries}, ensure_ascii=False, indent=1) + "\n"
    try:
        write_text_atomic(path, blob)
    except OSError as exc:
        raise InputError(f"{path}: cannot write baseline ({exc.strerror or exc})") from None
    return len(entries)


def load_baseline(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline file (create it with --write-baseline)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read baseline ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a baseline file (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise InputError(f"{path}: not a mtqa baseline file (version {VERSION} expected)")
    try:
        return Baseline(Counter(e["fingerprint"] for e in data["findings"]))
    except (TypeError, KeyError):
        raise InputError(f"{path}: baseline entry without a fingerprint") from None


def filter_new(report: Report, baseline: Baseline) -> Report:
    """The report with baselined findings dropped.  Score, edits and the rest are kept
    as they are: the baseline decides what fails CI, not what the text is worth."""
    left = Counter(baseline.counts)
    new = []
    for f in report.findings:
        fp = fingerprint(report, f)
        if left[fp] > 0:
            left[fp] -= 1
        else:
            new.append(f)
    return dataclasses.replace(report, findings=new)
