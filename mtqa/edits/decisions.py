"""An editor's decisions on a report's edits: the file the HTML review page exports and
`mtqa fix FILE --decisions DECISIONS.json` applies (format: docs/review.md).

The decisions name the text they were made on by its SHA-256, so they are never applied
to another version of the file; offsets are Python ``str`` offsets (code points) like
everywhere in mtqa.  Exactly the accepted edits are applied, with
:func:`mtqa.edits.resolve.apply_edits`, so text outside them is kept byte for byte.  Every problem
with the file is an :class:`InputError` of one line (exit code 2)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from mtqa.edits.resolve import apply_edits, spans_overlap as overlaps
from mtqa.errors import InputError
from mtqa.types import Edit, Origin, Report

FORMAT = "mtqa-decisions"
VERSION = 1
STATES = ("accepted", "rejected", "pending")


def text_sha256(text: str) -> str:
    """Hash of the text as mtqa read it: its UTF-8 bytes, BOM and CRLF included (the
    same bytes as the file, since mtqa decodes strict UTF-8 without newline translation)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signature_key(signature: dict) -> str:
    """A short stable id of a report's signature (the review page keys its saved
    decisions by it, so a report from other rules or models starts afresh)."""
    canon = json.dumps(signature, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    index: int  # position in the file's "edits" list, for messages
    start: int
    end: int
    replacement: str
    rule_id: str
    origin: str
    state: str
    original: Optional[str] = None

    def describe(self) -> str:
        return f"edits[{self.index}] ({self.rule_id} {self.start}-{self.end})"

    def to_edit(self) -> Edit:
        origin = Origin(self.origin) if self.origin in {o.value for o in Origin} else Origin.RULE
        return Edit(self.start, self.end, self.replacement, origin, self.rule_id, 1.0, True, True, None)


@dataclass(frozen=True)
class Decisions:
    source: str  # where they were read from, for messages
    text_sha256: str
    decisions: tuple[Decision, ...]
    path: Optional[str] = None  # the document the page was made for (informational)

    @property
    def accepted(self) -> list[Decision]:
        return [d for d in self.decisions if d.state == "accepted"]


# ---- reading -------------------------------------------------------------------------
def _field(obj: dict, key: str, kind, where: str, source: str, required: bool = True) -> Any:
    if key not in obj:
        if required:
            raise InputError(f"{source}: {where}: missing {key!r}")
        return None
    value = obj[key]
    # JSON true/false are Python ints: an offset must be a real integer
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        name = {int: "an integer", str: "a string", list: "a list", dict: "an object"}[kind]
        raise InputError(f"{source}: {where}.{key}: expected {name}, got {json.dumps(value)[:40]}")
    return value


def _decision(k: int, item: Any, source: str) -> Decision:
    where = f"edits[{k}]"
    if not isinstance(item, dict):
        raise InputError(f"{source}: {where}: expected an object")
    start = _field(item, "start", int, where, source)
    end = _field(item, "end", int, where, source)
    if not 0 <= start <= end:
        raise InputError(f"{source}: {where}: start {start} and end {end} are not a span (0 <= start <= end)")
    state = _field(item, "decision", str, where, source)
    if state not in STATES:
        raise InputError(f"{source}: {where}.decision: {state!r} is not one of {', '.join(STATES)}")
    return Decision(
        index=k, start=start, end=end,
        replacement=_field(item, "replacement", str, where, source),
        rule_id=_field(item, "rule_id", str, where, source),
        origin=_field(item, "origin", str, where, source, required=False) or "rule",
        state=state,
        original=_field(item, "original", str, where, source, required=False),
    )


def parse(data: Any, source: str) -> Decisions:
    """Validate a decoded decisions object (see docs/review.md)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{source}: not an mtqa decisions file (expected an object with \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if version != VERSION:
        raise InputError(f"{source}: decisions format version {json.dumps(version)} is not supported (this mtqa reads {VERSION})")
    digest = _field(data, "text_sha256", str, "top level", source)
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InputError(f"{source}: text_sha256: expected 64 lowercase hex digits")
    items = _field(data, "edits", list, "top level", source)
    path = data.get("path") if isinstance(data.get("path"), str) else None
    return Decisions(source, digest, tuple(_decision(k, x, source) for k, x in enumerate(items)), path)


def load(path: str) -> Decisions:
    """Read and validate a decisions file; every problem is one InputError line."""
    from mtqa.inputs.io import read_text

    raw = read_text(path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    return parse(data, path)


# ---- applying ------------------------------------------------------------------------
def accepted_edits(text: str, decisions: Decisions, name: str = "the input") -> list[Edit]:
    """The accepted decisions as edits, after checking that they were made on ``text``,
    lie inside it, match it (``original``) and do not overlap one another."""
    found = text_sha256(text)
    if found != decisions.text_sha256:
        raise InputError(
            f"{decisions.source}: made for another text (sha256 {decisions.text_sha256[:12]}…), "
            f"but {name} has sha256 {found[:12]}…: re-run `mtqa check` on it and review again")
    chosen = sorted(decisions.accepted, key=lambda d: (d.start, d.end))
    for d in chosen:
        if d.end > len(text):
            raise InputError(f"{decisions.source}: {d.describe()}: ends past the end of the text ({len(text)} characters)")
        if d.original is not None and text[d.start:d.end] != d.original:
            raise InputError(f"{decisions.source}: {d.describe()}: 'original' does not match the text at {d.start}-{d.end}")
    _refuse_overlaps(chosen, decisions.source)
    return [d.to_edit() for d in chosen]


def _refuse_overlaps(chosen: Sequence[Decision], source: str) -> None:
    """Two accepted edits that overlap cannot both be applied: say which two.  ``chosen``
    is sorted by start, so a clash is always with an earlier edit that is still open."""
    open_: list[Decision] = []
    for d in chosen:
        open_ = [o for o in open_ if o.end >= d.start]
        clash = next((o for o in open_ if overlaps(o.start, o.end, d.start, d.end)), None)
        if clash is not None:
            raise InputError(f"{source}: accepted edits {clash.describe()} and {d.describe()} overlap: accept at most one of them")
        open_.append(d)


def apply(text: str, decisions: Decisions, name: str = "the input") -> tuple[str, int]:
    """The text with exactly the accepted edits applied, and how many there were."""
    edits = accepted_edits(text, decisions, name)
    return apply_edits(text, edits), len(edits)


# ---- writing (the review page writes the same format from its script) -----------------
def edit_entry(text: str, e: Edit, state: Optional[str] = None) -> dict:
    """One "edits" item: the edit as in the JSON report, its original text and the
    decision (left out when ``state`` is None: the review page adds it)."""
    entry = {**e.to_dict(), "original": text[e.start:e.end]}
    if state is not None:
        entry["decision"] = state
    return entry


def default_state(e: Edit) -> str:
    """Before review: what `mtqa fix` would do (applied edits accepted), the rest pending."""
    return "accepted" if e.applied else "pending"


def document(report: Report, states: Optional[Sequence[str]] = None) -> dict:
    """A decisions object for ``report`` (``states``: one per edit; default: as mtqa fix)."""
    states = list(states) if states is not None else [default_state(e) for e in report.edits]
    if len(states) != len(report.edits):
        raise ValueError("one state per edit")
    return {
        "format": FORMAT,
        "version": VERSION,
        "path": report.path,
        "text_sha256": text_sha256(report.text),
        "signature": dict(report.signature),
        "edits": [edit_entry(report.text, e, s) for e, s in zip(report.edits, states)],
    }
