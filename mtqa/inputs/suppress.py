"""Inline suppression comments in Markdown and HTML:

    <!-- mtqa-disable RULE1,RULE2 -->  ...  <!-- mtqa-enable -->
    <!-- mtqa-disable-next-line RULE -->

No rule ids means every rule.  Ids are prefixes, as in --select (``NUM`` covers NUM001).
``mtqa-enable`` without ids closes every open region; with ids it closes the regions that
name any of them.  An unclosed region runs to the end of the document."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

_DIRECTIVE = re.compile(
    r"\s*mtqa-(disable-next-line|disable|enable)\b([^>]*?)\s*\Z", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class Suppression:
    """Findings overlapping text[start:end] whose rule id starts with one of ``rules``
    (or any rule, when ``rules`` is empty) are suppressed."""

    start: int
    end: int
    rules: tuple[str, ...] = ()


def _ids(raw: str) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in re.split(r"[,\s]+", raw) if p.strip())


def _line_after(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the line after the one containing ``pos``."""
    nl = text.find("\n", pos)
    if nl == -1:
        return len(text), len(text)
    start = nl + 1
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


def from_comments(text: str, comments: Iterable[tuple[int, int, str]]) -> list[Suppression]:
    """Suppressions from (start, end, body) of every comment, in document order."""
    out: list[Suppression] = []
    open_: list[tuple[int, tuple[str, ...]]] = []
    for start, end, body in comments:
        m = _DIRECTIVE.match(body)
        if not m:
            continue
        kind, ids = m.group(1).lower(), _ids(m.group(2))
        if kind == "disable-next-line":
            s, e = _line_after(text, end)
            out.append(Suppression(s, e, ids))
        elif kind == "disable":
            open_.append((end, ids))
        else:
            keep = []
            for s, rules in open_:
                closes = not ids or any(r in ids for r in rules)
                if closes:
                    out.append(Suppression(s, start, rules))
                else:
                    keep.append((s, rules))
            open_ = keep
    out.extend(Suppression(s, len(text), rules) for s, rules in open_)
    return sorted(out, key=lambda s: (s.start, s.end))


def suppressed(finding, suppressions: Sequence[Suppression]) -> bool:
    """Whether ``finding`` (anything with rule_id, start, end) is suppressed."""
    rid = finding.rule_id.upper()
    for s in suppressions:
        overlaps = finding.start < s.end and finding.end > s.start or s.start <= finding.start < s.end
        if overlaps and (not s.rules or any(rid.startswith(r) for r in s.rules)):
            return True
    return False
