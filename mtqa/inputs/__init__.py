"""Batch inputs: find the files to check, and turn each into Documents.

``discover`` lists files; ``load`` reads one path into Documents (a feed gives one per
item) or raises InputError with one clear line; ``load_all`` does that for a batch and
collects an ``InputProblem`` per bad file so that the rest of the batch is still checked.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal, Optional, Sequence

from mtqa.errors import InputError
from mtqa.inputs.feeds import is_feed, parse_feed
from mtqa.inputs.globs import match, normalize_path
from mtqa.inputs.html import html_prose
from mtqa.inputs.markdown import markdown_prose
from mtqa.inputs.suppress import Suppression, suppressed
from mtqa.inputs.io import STDIN, decode, read_bytes

Kind = Literal["text", "markdown", "html", "feed-item"]

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.html", "*.htm", "*.xml", "*.rss", "*.atom")
_KINDS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
          ".xml": "feed", ".rss": "feed", ".atom": "feed"}


@dataclass(frozen=True)
class Document:
    """One text to check.  ``regions``: the prose spans of ``text`` (None: all of it);
    ``masks``: inline markup inside them that is not prose (Markdown link targets, code
    spans; mtqa.segment.mask_text); offsets are into ``text``, which is the original file
    except for feed items."""

    path: str
    text: str
    kind: Kind = "text"
    regions: Optional[list[tuple[int, int]]] = None
    suppressions: list[Suppression] = field(default_factory=list)
    masks: Optional[list[tuple[int, int]]] = None


@dataclass(frozen=True)
class InputProblem:
    path: str
    message: str  # one line, already naming the path


def _walk(root: Path, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if f.startswith("."):
                continue
            full = Path(dirpath) / f
            rel = full.relative_to(root).as_posix()
            if match(rel, include) and not match(rel, exclude):
                found.append(str(full))
    return found


def discover(paths: Iterable[str], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """Files named on the command line are kept as given (a missing one too, so that
    ``load`` reports it); directories are walked recursively, sorted, skipping hidden
    entries, keeping files that match ``include`` (default: DEFAULT_INCLUDE).  ``exclude``
    applies to both, matched against the path as given and, in a walk, relative to the
    walked directory.  '-' is stdin.  Duplicates are dropped."""
    include = tuple(include) or DEFAULT_INCLUDE
    out: list[str] = []
    for p in paths:
        if p != STDIN and Path(p).is_dir():
            out.extend(_walk(Path(p), include, exclude))
        elif p == STDIN or not match(normalize_path(p), exclude):
            out.append(p)
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def kind_of(path: str, text: str) -> str:
    """"text", "markdown", "html" or "feed", from the extension (content for stdin and
    extension-less files)."""
    kind = _KINDS.get(Path(path).suffix.lower()) if path != STDIN else None
    if kind:
        return kind
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    if is_feed(text):
        return "feed"
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    return "text"


def _read(path: str) -> bytes:
    if path != STDIN:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = None  # read_bytes gives the message
        # A FIFO or device would block or never end: refuse it instead of hanging a batch.
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise InputError(f"{path}: not a regular file")
    return read_bytes(path)


def load(path: str) -> list[Document]:
    """Documents of one input; InputError (one line naming the path) when it cannot be
    read, decoded or parsed."""
    name = "<stdin>" if path == STDIN else path
    text = decode(_read(path), name)
    return documents(path, text, kind_of(path, text), name)


def documents(path: str, text: str, kind: Kind, name: str) -> list[Document]:
    """The documents of ``text`` read as ``kind`` (``name``: the path as errors show it):
    Markdown and HTML with their prose regions, masks and suppressions, a feed's items."""
    if kind == "markdown":
        regions, masks, sup = markdown_prose(text)
        return [Document(path, text, "markdown", regions, sup, masks)]
    if kind == "html":
        regions, masks, sup = html_prose(text, name)
        return [Document(path, text, "html", regions, sup, masks)]
    if kind == "feed":
        return [Document(p, t, "feed-item") for p, t in parse_feed(text, name)]
    return [Document(path, text, "text")]


def load_all(paths: Iterable[str]) -> tuple[list[Document], list[InputProblem]]:
    """Load every path; a bad file becomes an InputProblem and the batch goes on."""
    docs: list[Document] = []
    problems: list[InputProblem] = []
    for p in paths:
        try:
            docs.extend(load(p))
        except InputError as exc:
            problems.append(InputProblem(p, str(exc)))
    return docs, problems


__all__ = ["DEFAULT_INCLUDE", "Document", "InputProblem", "Suppression", "discover", "documents", "kind_of",
           "load", "load_all", "suppressed"]
