"""The data contract of mtqa: a few frozen dataclasses that flow through every stage.

text -> Segment -> Finding -> Edit -> Report.  All offsets are Python ``str`` offsets
(code points) into the original input text, end-exclusive.  Line/column are computed
only when rendering.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, asdict
from enum import Enum
from typing import Iterable, Optional


class Category(str, Enum):
    """MQM-style error categories."""

    GRAMMAR = "grammar"
    SPELLING = "spelling"
    PUNCTUATION = "punctuation"
    CALQUE = "calque"  # calque / terminology
    STYLE = "style"
    LOCALE = "locale"  # number / currency / date format
    UNTRANSLATED = "untranslated"
    ACCURACY = "accuracy"  # the English says something else than the source
    FLUENCY = "fluency"  # model-based: no rule names the problem


class Severity(str, Enum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def weight(self) -> int:
        """MQM penalty weight (minor 1, major 5, critical 10)."""
        return {"minor": 1, "major": 5, "critical": 10}[self.value]

    @property
    def rank(self) -> int:
        return {"minor": 0, "major": 1, "critical": 2}[self.value]


class Origin(str, Enum):
    RULE = "rule"
    LANGUAGETOOL = "languagetool"
    MODEL = "model"


@dataclass(frozen=True)
class Segment:
    """A span of the input. ``kind`` is "sentence" (scored and edited) or "boilerplate"
    (feed header/footer lines: kept as is, neither scored nor edited)."""

    start: int
    end: int
    text: str
    kind: str = "sentence"
    paragraph: int = 0


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: Category
    severity: Severity
    start: int
    end: int
    message: str
    replacements: tuple[str, ...] = ()
    origin: Origin = Origin.RULE
    # Whether applying replacements[0] is considered safe (meaning-preserving and
    # near-certain).  Safe edits are applied by `mtqa fix` by default.
    safe: bool = False
    confidence: float = 0.5

    @property
    def id(self) -> str:
        """A stable id: the same finding (rule, span, message, replacements) has the same
        id in every run on the same text, and an Edit made from it carries it as
        ``finding_id``.  Severity, safety and confidence are not part of it: a policy may
        change them (``--severity``, a house style, an uncalibrated model) and it is
        still the same finding."""
        key = "\x1f".join((self.rule_id, str(self.start), str(self.end), self.message, *self.replacements))
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @property
    def is_suggestion(self) -> bool:
        """A post-editing model's proposed edit (``MDL:``), not a problem found: it does not
        lower the score, trip ``--fail-on``, or count in the finding-precision benchmarks."""
        return self.origin == Origin.MODEL and self.rule_id.startswith("MDL:")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "category": self.category.value,
            "severity": self.severity.value,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "replacements": list(self.replacements),
            "origin": self.origin.value,
            "safe": self.safe,
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    replacement: str
    origin: Origin
    rule_id: str
    confidence: float
    safe: bool
    applied: bool = False
    # Why the edit was not applied (overlap, unsafe, guard:<reason>), or None.
    reason: Optional[str] = None
    # The id of the Finding this edit fixes (Finding.id); None for an edit without one (a
    # model edit the guard rejected, an editor's decision).  Renderers pair them by it.
    finding_id: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "replacement": self.replacement,
            "origin": self.origin.value,
            "rule_id": self.rule_id,
            "confidence": round(self.confidence, 3),
            "safe": self.safe,
            "applied": self.applied,
            "reason": self.reason,
            "finding_id": self.finding_id,
        }


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; text outside their spans is preserved exactly.  (Here,
    with the type, so that Report.post_edited needs no later stage: mtqa.edits.resolve, which
    decides which edits apply, imports this module, never the other way round.)"""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class SentenceResult:
    segment: Segment
    score: float
    words: int
    penalty: float


@dataclass(frozen=True)
class Report:
    """Everything mtqa knows about one input document, built once by the pipeline (or the
    result cache) and read, never changed, by every later stage."""

    path: str
    text: str
    segments: list[Segment]
    findings: list[Finding]
    edits: list[Edit]
    sentences: list[SentenceResult]
    score: float
    words: int
    penalty: float
    signature: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def post_edited(self) -> str:
        return apply_edits(self.text, [e for e in self.edits if e.applied])
