"""Renderers: one module per output format, each exposing ``render(reports) -> str``.
Renderers only read Reports; they never check anything."""
from __future__ import annotations

import importlib
from typing import Sequence

from mtqa.types import Report

SCHEMA_VERSION = "1.0"

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


def render(reports: Sequence[Report], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    mod = importlib.import_module(f"mtqa.report.{FORMATS[fmt]}")
    return mod.render(list(reports))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a str offset; CRLF counts as one break."""
    line = text.count("\n", 0, offset) + 1
    last_nl = text.rfind("\n", 0, offset)
    return line, offset - last_nl
