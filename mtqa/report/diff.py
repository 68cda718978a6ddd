"""Unified diff of each document against its post-edited text (``patch -p1`` applies it).
Lines keep their own endings, so CRLF input yields CRLF lines in the diff."""
from __future__ import annotations

import difflib

from mtqa.types import Report

_NO_EOL = "\\ No newline at end of file\n"


def _lines(s: str) -> list[str]:
    # Split on \n only (not str.splitlines, which also splits on \x0b, \u2028, ...) so the
    # line structure matches what diff/patch see.
    return s.split("\n") if s else []


def diff_document(r: Report) -> str:
    a_text, b_text = r.text, r.post_edited
    if a_text == b_text:
        return ""
    a = [ln + "\n" for ln in _lines(a_text)]
    b = [ln + "\n" for ln in _lines(b_text)]
    # the split leaves a final piece after the last "\n": empty -> drop it; otherwise it is a
    # last line without a newline, which the diff must say.
    for lines in (a, b):
        if lines and lines[-1] == "\n":
            lines.pop()
        elif lines:
            lines[-1] = lines[-1][:-1]
    out = []
    for line in difflib.unified_diff(a, b, fromfile=f"a/{r.path}", tofile=f"b/{r.path}"):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + _NO_EOL)
    return "".join(out)


def render(reports: list[Report]) -> str:
    return "".join(diff_document(r) for r in reports)
