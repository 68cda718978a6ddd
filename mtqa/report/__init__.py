"""Renderers: one module per output format, each exposing ``render(reports) -> str``.
Renderers only read Reports; they never check anything.  A format that shows a pass/fail
verdict (junit, sarif, summary) also takes ``verdict=`` (mtqa.report.stats.Verdict, the one
the exit code comes from) and marks itself with ``SHOWS_VERDICT = True``."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Optional, Sequence

from mtqa.types import Report

if TYPE_CHECKING:
    from mtqa.report.stats import Verdict

SCHEMA_VERSION = "1.1"

# format name -> module under mtqa.report (lazy: HTML/SARIF code loads only when used)
FORMATS = {
    "text": "text",
    "json": "json_report",
    "diff": "diff",
    "html": "html",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "jsonl": "jsonl",
    "summary": "summary",
    "docx": "docx",  # bytes, not str: Word/LibreOffice tracked changes and comments
}


def render(reports: Sequence[Report], fmt: str, verdict: "Optional[Verdict]" = None) -> str:
    """``reports`` in format ``fmt``; ``verdict`` (default: nothing fails) goes to the
    formats that show one."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    mod = importlib.import_module(f"mtqa.report.{FORMATS[fmt]}")
    if verdict is not None and getattr(mod, "SHOWS_VERDICT", False):
        return mod.render(list(reports), verdict=verdict)
    return mod.render(list(reports))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a str offset; CRLF counts as one break."""
    line = text.count("\n", 0, offset) + 1
    last_nl = text.rfind("\n", 0, offset)
    return line, offset - last_nl
