"""LanguageTool for mtqa: a local server (:mod:`.server`) and the backend that turns its
matches into findings (:mod:`.backend`).

    with open_languagetool() as lt:       # one server for the whole run
        findings = lt.check(text)

Where the server comes from, in order:

1. ``url`` (the CLI's ``--lt-url``), else ``$MTQA_LT_URL``: a running server, used as is;
2. a local :class:`LanguageToolServer` from the jars of scripts/fetch_languagetool.sh
   (``$MTQA_LT_HOME``, the repository's ``lt/``, ``~/.cache/mtqa/languagetool``);
3. no jars anywhere: language_tool_python's own download and server (needs the internet).

If none works, :class:`mtqa.errors.ToolError` with one line saying what to do.
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator, Optional

from mtqa.errors import ToolError
from mtqa.checks.languagetool.backend import LanguageToolBackend
from mtqa.checks.languagetool.server import (
    FETCH_HINT,
    LanguageToolServer,
    find_lt_home,
    one_line,
)


@contextlib.contextmanager
def open_languagetool(url: Optional[str] = None, **opts) -> Iterator[LanguageToolBackend]:
    """Yield a :class:`LanguageToolBackend`; ``opts`` go to it (language, disabled_rules,
    disabled_categories, picky, max_chars).  A server started here stops on exit."""
    url = url or os.environ.get("MTQA_LT_URL") or None
    if url:
        with LanguageToolBackend(url, **opts) as backend:
            yield backend
        return
    try:
        home = find_lt_home()
    except ToolError as missing:
        with _downloaded(missing, **opts) as backend:
            yield backend
        return
    with LanguageToolServer(home, language=opts.get("language", "en-US")) as server:
        with LanguageToolBackend(server.url, **opts) as backend:
            yield backend


@contextlib.contextmanager
def _downloaded(missing: ToolError, **opts) -> Iterator[LanguageToolBackend]:
    """language_tool_python's own LanguageTool (downloads it once into its cache)."""
    try:
        tool = _start_downloaded(opts.get("language", "en-US"))
    except Exception as exc:
        raise ToolError(
            f"{str(missing).split(': run ')[0]}, and language_tool_python could not download "
            f"one ({one_line(exc, 120)}): {FETCH_HINT}"
        ) from exc
    try:
        with LanguageToolBackend(tool.url, **opts) as backend:
            yield backend
    finally:
        tool.close()


def _start_downloaded(language: str):
    import language_tool_python as ltp

    return ltp.LanguageTool(language)


__all__ = ["open_languagetool", "LanguageToolBackend", "LanguageToolServer", "find_lt_home"]
