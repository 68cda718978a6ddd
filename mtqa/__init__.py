"""mtqa: quality checks and guarded post-editing for English machine-translated from Russian."""

from functools import lru_cache
from pathlib import Path

__version__ = "0.1.0"


@lru_cache(maxsize=8)
def source_digest(folder: "str | Path | None" = None) -> str:
    """A digest of the code and data files under ``folder`` (default: the whole mtqa
    package), read once a process. It keys what mtqa keeps across runs (the result cache,
    a running service's answers), so that a changed checkout is never served a report made
    by other code while ``__version__`` stays the same."""
    import hashlib

    root = Path(folder) if folder is not None else Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            try:
                data = path.read_bytes()
            except OSError:  # an editor's lock or swap file that went away: not mtqa's code
                continue
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + data)
    return h.hexdigest()[:12]
