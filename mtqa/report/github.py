"""GitHub Actions workflow commands: one annotation per finding, e.g.
``::error file=a.txt,line=3,col=5,endLine=3,endColumn=9,title=NUM001::message``.

Escaping follows the Actions runner (actions/toolkit ``command.ts``): in the message
% CR LF are percent-encoded; in property values also ':' and ','.  Any other control
character (ESC, ...) is written as ``\\xNN``.  A '::' left in the
message is safe because the runner splits at the first '::' after the properties.
Columns count code points, like the text report.
"""
from __future__ import annotations

from mtqa.report import line_col
from mtqa.types import Finding, Report, Severity


def escape_data(s: str) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    # other control characters (an ESC in a file name) must not reach the log raw
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 else c for c in s)


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(name: str, props: dict[str, object], message: str) -> str:
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{name} {head}::{escape_data(message)}" if head else f"::{name}::{escape_data(message)}"


def _annotation(report: Report, f: Finding) -> str:
    line, col = line_col(report.text, f.start)
    end_line, end_col = line_col(report.text, f.end)
    props: dict[str, object] = {"file": report.path, "line": line, "col": col,
                                "endLine": end_line, "endColumn": end_col, "title": f.rule_id}
    if line != end_line:  # GitHub rejects columns on multi-line annotations
        del props["col"], props["endColumn"]
    message = f.message
    if f.replacements:
        message += f" (suggestion: {f.replacements[0]})"
    return command("error" if f.severity.rank >= Severity.MAJOR.rank else "warning", props, message)


def render(reports: list[Report]) -> str:
    lines = []
    for r in reports:
        lines.extend(_annotation(r, f) for f in r.findings)
        # a backend failure must show up in CI, not read as a clean document
        lines.extend(command("error", {"file": r.path, "title": "mtqa"}, err) for err in r.errors)
    return "".join(line + "\n" for line in lines)
