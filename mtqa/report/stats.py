"""The numbers every output format shares, and the pass/fail verdict: one home for each, so
that the exit code, JUnit, SARIF, the summary table and the JSON report never disagree.

The verdict
-----------
A :class:`Policy` is the pair of thresholds ``fail_under`` (a document scoring below it
fails) and ``fail_on`` (a finding at or above this severity fails its document); either may
be unset (the default: nothing fails).  The command line takes them from ``--fail-under`` /
``--fail-on``, else from the config (per path, overrides applied), see :func:`config_policy`.

:func:`verdict` judges every report against its policy and gives a :class:`Verdict`: per
document "passed", "failed" (with the reasons) or "error" (a backend error recorded in
``Report.errors``: never a pass), and the exit code of the run (:class:`mtqa.errors.ExitCode`:
2 when an input could not be read, else 3 when a document has a tool error, else 1 when one
fails, else 0).  Renderers that show a
verdict (junit, sarif, summary) take it as ``render(reports, verdict=...)`` and compute the
default one (nothing fails) when they are called without it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, Union

from mtqa.errors import ExitCode
from mtqa.types import Category, Edit, Finding, Report, Severity

SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))  # critical, major, minor


# ---- counts ----------------------------------------------------------------------------

def edit_status(edit: Edit) -> str:
    """"applied", "rejected" (the meaning guard vetoed it: reason ``guard:<why>``) or
    "suggested" (not applied for any other reason: unsafe, overlap, ...)."""
    if edit.applied:
        return "applied"
    if (edit.reason or "").startswith("guard"):
        return "rejected"
    return "suggested"


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per severity, every severity present, most severe first."""
    by = {s.value: 0 for s in SEVERITIES}
    for f in findings:
        by[f.severity.value] += 1
    return by


def counts(reports: Sequence[Report]) -> dict:
    """Finding and edit counts over ``reports``; every severity and category is present."""
    by_sev = {s.value: 0 for s in Severity}
    by_cat = {c.value: 0 for c in Category}
    edits = {"applied": 0, "suggested": 0, "rejected": 0}
    for r in reports:
        for f in r.findings:
            by_sev[f.severity.value] += 1
            by_cat[f.category.value] += 1
        for e in r.edits:
            edits[edit_status(e)] += 1
    return {
        "findings": sum(by_sev.values()),
        "by_severity": by_sev,
        "by_category": by_cat,
        "edits_applied": edits["applied"],
        "edits_suggested": edits["suggested"],
        "edits_rejected": edits["rejected"],
    }


def mean_score(reports: Sequence[Report]) -> Optional[float]:
    """Word-weighted mean of document scores, so one long article counts for more than a
    one-line one; a plain mean when no document has words (so an all-empty run still
    scores), None for no documents."""
    if not reports:
        return None
    words = sum(r.words for r in reports)
    if words:
        return round(sum(r.score * r.words for r in reports) / words, 3)
    return round(sum(r.score for r in reports) / len(reports), 3)


# ---- the verdict -----------------------------------------------------------------------

def _severity(fail_on: Union[str, Severity, None]) -> Optional[Severity]:
    if fail_on is None or isinstance(fail_on, Severity):
        return fail_on
    v = str(getattr(fail_on, "value", fail_on)).lower()  # a str Enum (the CLI's FailOn) too
    if v in ("", "none", "never"):
        return None
    return Severity(v)  # ValueError on anything else


@dataclass(frozen=True)
class Policy:
    """When a document fails.  ``fail_on`` None: no finding fails it; ``fail_under`` None:
    no score does."""

    fail_under: Optional[float] = None
    fail_on: Optional[Severity] = None

    @classmethod
    def of(cls, fail_under: Optional[float] = None, fail_on: Union[str, Severity, None] = None) -> "Policy":
        """From loose values: ``fail_on`` may be a severity name, "none" or None."""
        return cls(None if fail_under is None else float(fail_under), _severity(fail_on))

    def finding_fails(self, f: Finding) -> bool:
        """At or above ``fail_on``; a model's suggestion never fails a document."""
        return self.fail_on is not None and not f.is_suggestion and f.severity.rank >= self.fail_on.rank

    def to_dict(self) -> dict:
        return {"fail_under": self.fail_under, "fail_on": self.fail_on.value if self.fail_on else "none"}


@dataclass(frozen=True)
class DocumentVerdict:
    path: str
    policy: Policy
    reasons: tuple[str, ...] = ()  # why the document fails its policy; empty: it does not
    errors: tuple[str, ...] = ()  # backend errors (Report.errors)
    failing_findings: int = 0  # findings at or above fail_on

    @property
    def failed(self) -> bool:
        return bool(self.reasons)

    @property
    def status(self) -> str:
        """"error" (a tool error: never a pass), "failed" or "passed"."""
        return "error" if self.errors else "failed" if self.reasons else "passed"


@dataclass(frozen=True)
class Verdict:
    documents: tuple[DocumentVerdict, ...]
    problems: tuple[str, ...] = ()  # inputs that could not be read (no report): exit 2

    @property
    def failed(self) -> list[DocumentVerdict]:
        return [d for d in self.documents if d.failed]

    @property
    def errored(self) -> list[DocumentVerdict]:
        return [d for d in self.documents if d.errors]

    @property
    def exit_code(self) -> ExitCode:
        if self.problems:
            return ExitCode.USAGE
        if self.errored:
            return ExitCode.TOOL
        return ExitCode.FAILED if self.failed else ExitCode.OK

    @property
    def status(self) -> str:
        """The run's: "error" (a tool error or an unreadable input), "failed" or "passed"."""
        return "error" if self.errored or self.problems else "failed" if self.failed else "passed"

    def __getitem__(self, i: int) -> DocumentVerdict:
        return self.documents[i]

    def __len__(self) -> int:
        return len(self.documents)


def judge(report: Report, policy: Policy) -> DocumentVerdict:
    """Whether ``report`` fails ``policy``, and why."""
    reasons = []
    if policy.fail_under is not None and report.score < policy.fail_under:
        reasons.append(f"score {report.score:.1f} < {policy.fail_under:g}")
    bad = sum(policy.finding_fails(f) for f in report.findings)
    if bad:
        reasons.append(f"{bad} finding(s) at {policy.fail_on.value} or above")
    return DocumentVerdict(report.path, policy, tuple(reasons), tuple(report.errors), bad)


PolicyFor = Union[Policy, Callable[[Report], Policy], None]


def verdict(reports: Sequence[Report], policy: PolicyFor = None, problems: Sequence[str] = ()) -> Verdict:
    """Every report judged: ``policy`` is one Policy for all, a function giving each
    report's, or None (nothing fails); ``problems``: the messages of inputs that could not
    be read."""
    def pol(r: Report) -> Policy:
        if policy is None:
            return Policy()
        return policy if isinstance(policy, Policy) else policy(r)

    return Verdict(tuple(judge(r, pol(r)) for r in reports), tuple(problems))


def config_policy(cfg, fail_under: Optional[float] = None,
                  fail_on: Union[str, Severity, None] = None) -> Callable[[Report], Policy]:
    """The command line's policy: ``--fail-under`` / ``--fail-on`` when given, else the
    config's for the report's path (``[[overrides]]`` applied), else unset."""
    def pol(r: Report) -> Policy:
        dcfg = cfg.for_path(r.path)
        under = fail_under if fail_under is not None else dcfg.fail_under
        on = fail_on if fail_on is not None else dcfg.fail_on
        return Policy.of(under, on)

    return pol
