"""gitignore-flavoured globs shared by input discovery and per-path config overrides.

``*`` and ``?`` never cross a ``/``; ``**`` crosses any number of directories; a pattern
without a ``/`` matches the base name at any depth (so ``*.md`` matches ``news/a.md``)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern:
    pat = pattern.strip().replace("\\", "/")
    if pat.startswith("./"):
        pat = pat[2:]
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    if pat.endswith("/"):  # "drafts/" means everything below drafts
        pat += "**"
    out, i = [], 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        elif pat[i] == "[":
            j = pat.find("]", i + 1)
            if j == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pat[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j + 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    body = "".join(out)
    # Unanchored patterns may match at any depth, like .gitignore.
    return re.compile(("" if anchored else "(?:.*/)?") + body + r"\Z")


def normalize_path(path: str) -> str:
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def match(path: str, patterns: Iterable[str]) -> bool:
    """Whether the relative, '/'-separated ``path`` matches any pattern."""
    p = normalize_path(path)
    return any(_compile(pat).match(p) for pat in patterns)
