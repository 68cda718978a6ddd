"""Result cache: one JSON file per key under $MTQA_CACHE/results (default
~/.cache/mtqa/results).  The key covers everything that can change a report: the exact
text, the config signature for that path, the mtqa version, the rule-set hash and the ids
of the backends used (LanguageTool version, model id).  A cache problem never fails a
run: an unreadable or corrupt entry is a miss, a failed write is skipped."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional

from mtqa.inputs.io import write_text_atomic
from mtqa.run.serialize import report_from_dict, report_to_dict
from mtqa.types import Report


def cache_key(text: str, parts: dict) -> str:
    """sha256 over the text's own sha256 and ``parts`` (JSON-able, key order ignored)."""
    h = hashlib.sha256()
    h.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    h.update(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()


def key_parts(config_signature: str, backends: Optional[dict] = None, **extra) -> dict:
    """The standard ``parts``: config signature, mtqa version, rule-set hash, the digest of
    mtqa's own code and data (``mtqa.source_digest``: a changed checkout misses), backends,
    plus anything else that changes a report for the same text (``kind="markdown"``,
    ``lines=True``, ...)."""
    from mtqa import __version__, source_digest
    from mtqa.checks.rules import ruleset_hash

    return {"config": config_signature, "mtqa": __version__, "code": source_digest(), "rules": ruleset_hash(),
            "backends": backends or {}, **extra}


def default_dir() -> Path:
    from mtqa.models.lm import cache_dir

    return Path(cache_dir()) / "results"


class ResultCache:
    def __init__(self, directory: Optional[os.PathLike | str] = None):
        self.dir = Path(directory) if directory is not None else default_dir()

    def _file(self, key: str) -> Path:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.dir / f"{key}.json"

    def get(self, key: str) -> Optional[Report]:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            return report_from_dict(data["report"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, report: Report) -> bool:
        """Store ``report``; False when the cache directory cannot be written."""
        blob = json.dumps({"key": key, "report": report_to_dict(report)}, ensure_ascii=False)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(str(self._file(key)), blob)
        except OSError:
            return False
        return True
