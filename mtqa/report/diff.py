"""Unified diff of each document against its post-edited text (``patch -p1`` applies it).
Lines keep their own endings, so CRLF input yields CRLF lines in the diff."""
from __future__ import annotations

import difflib

from mtqa.types import Report

_NO_EOL = "\\ No newline at end of file\n"
_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
              "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def quote_path(name: str) -> str:
    """A file name as git writes it in diff headers: as is, or - when it holds a control
    character, a quote or a backslash - in double quotes with C escapes (a newline in a
    name must not end the header line; an ESC must not reach the terminal)."""
    if not any(ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 or c in '"\\' for c in name):
        return name
    out = []
    for c in name:
        if c in _C_ESCAPES:
            out.append(_C_ESCAPES[c])
        elif ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0:
            out.append("".join(f"\\{b:03o}" for b in c.encode("utf-8")))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


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
    for line in difflib.unified_diff(a, b, fromfile=quote_path(f"a/{r.path}"), tofile=quote_path(f"b/{r.path}")):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + _NO_EOL)
    return "".join(out)


def render(reports: list[Report]) -> str:
    return "".join(diff_document(r) for r in reports)
