"""Rebuilding whole articles from line-aligned segment files (WMT-style): a segments.tsv
with ``line``, ``doc_id`` and ``seg_in_doc`` columns next to one-segment-per-line text.
Used by `mtqa eval --docs`, the batch benchmark and the tests on real data."""
from __future__ import annotations

import csv
from collections import OrderedDict
from pathlib import Path

from mtqa.errors import InputError


def read_segments_tsv(path: str | Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if rows and not {"doc_id", "seg_in_doc"} <= set(rows[0]):
        raise InputError(f"{path}: needs doc_id and seg_in_doc columns")
    return rows


def group_documents(lines: list[str], rows: list[dict]) -> "OrderedDict[str, list[int]]":
    """doc_id -> indices into ``lines`` (the i-th row describes lines[i]), in seg_in_doc
    order, documents in order of first appearance."""
    if len(lines) != len(rows):
        raise InputError(f"{len(lines)} segments but {len(rows)} rows in the segments file")
    docs: "OrderedDict[str, list[tuple[int, int]]]" = OrderedDict()
    for i, row in enumerate(rows):
        docs.setdefault(row["doc_id"], []).append((int(row["seg_in_doc"]), i))
    return OrderedDict((d, [i for _, i in sorted(v)]) for d, v in docs.items())


def articles(lines: list[str], rows: list[dict]) -> list[tuple[str, str]]:
    """(doc_id, article text): the document's segments, one paragraph each."""
    return [(d, "\n\n".join(lines[i] for i in idx) + "\n") for d, idx in group_documents(lines, rows).items()]


def write_articles(mt_file: str | Path, segments_tsv: str | Path, out_dir: str | Path, limit: int | None = None) -> list[Path]:
    """One UTF-8 file per document (``<doc_id>.txt``) in out_dir; returns the paths."""
    lines = Path(mt_file).read_text(encoding="utf-8").splitlines()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc_id, text in articles(lines, read_segments_tsv(segments_tsv))[:limit]:
        p = out / (doc_id.replace("/", "_") + ".txt")
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths
