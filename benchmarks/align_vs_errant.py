#!/usr/bin/env python3
"""mtqa's edit alignment (mtqa.suggest.align) against errant, the library it imitates, on
real MT -> human post-edit pairs: how many of errant's edits align.py finds with the same
character span, how often it gives them the same type, and the time each takes.

    .venv/bin/python benchmarks/align_vs_errant.py [--pair ru-en] [--limit 1000] [--out FILE]

errant works on spaCy tokens; its edits are mapped to character spans of the MT sentence
through the tokens' offsets (``Token.idx``).  A pair's time includes errant's two spaCy
parses, which it needs to type edits; align.py types by word lists and needs no parse.
Data: MLQE-PE dev (CC BY-SA 4.0; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MLQE = ROOT.parent / "shared" / "data" / "mlqe-pe"


def _errant_spans(annotator, mt: str, pe: str):
    o = annotator.parse(mt, tokenise=True)
    c = annotator.parse(pe, tokenise=True)
    out = []
    for e in annotator.annotate(o, c):
        if e.o_start < e.o_end:
            s, t = o[e.o_start].idx, o[e.o_end - 1].idx + len(o[e.o_end - 1].text)
        else:  # an insertion: at the start of the next token (or the end)
            s = t = o[e.o_start].idx if e.o_start < len(o) else len(mt)
        out.append((s, t, e.type))
    return out


def _key(mt: str, s: int, t: int) -> tuple[int, int]:
    """An edit's span, with an insertion anywhere in the gap between two words read as at
    the start of the next word (align.py may put " the" after "met", errant "the " before
    "delegation"), and outer spaces of a span ignored."""
    while s < t and mt[s].isspace():
        s += 1
    while t > s and mt[t - 1].isspace():
        t -= 1
    if s == t:
        while s < len(mt) and mt[s].isspace():
            s += 1
        t = s
    return s, t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", default="ru-en")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from mtqa.models.nlp import get_errant
    from mtqa.suggest.align import align, errant_typed

    d = MLQE / args.pair / "dev"
    mts = (d / "mt.en").read_text(encoding="utf-8").splitlines()[: args.limit]
    pes = (d / "pe.detok.en").read_text(encoding="utf-8").splitlines()[: args.limit]
    annotator = get_errant()
    annotator.parse("Warm up.", tokenise=True)
    pairs = [(m, p) for m, p in zip(mts, pes) if m != p]

    t0 = time.perf_counter()
    ours = [[(e.start, e.end, e.type) for e in align(m, p)] for m, p in pairs]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = [_errant_spans(annotator, m, p) for m, p in pairs]
    t_errant = time.perf_counter() - t0
    t0 = time.perf_counter()  # what the post-editor's suggestions get: align.py's spans, errant's types
    retyped = [[(e.start, e.end, e.type) for e in errant_typed(m, align(m, p))] for m, p in pairs]
    t_retyped = time.perf_counter() - t0

    n_err = sum(len(x) for x in theirs)
    n_ours = sum(len(x) for x in ours)
    same_span = same_type = same_retyped = 0
    by_type: Counter = Counter()
    hit_type: Counter = Counter()
    for (m, _), mine, ref, rt in zip(pairs, ours, theirs, retyped):
        spans = {_key(m, s, t): ty for s, t, ty in mine}
        rspans = {_key(m, s, t): ty for s, t, ty in rt}
        for s, t, ty in ref:
            by_type[ty] += 1
            if _key(m, s, t) in spans:
                same_span += 1
                if spans[_key(m, s, t)] == ty:
                    same_type += 1
                    hit_type[ty] += 1
                if rspans.get(_key(m, s, t)) == ty:
                    same_retyped += 1
    identical = sum(sorted((*_key(m, s, t), ty) for s, t, ty in a) == sorted((*_key(m, s, t), ty) for s, t, ty in b)
                    for (m, _), a, b in zip(pairs, ours, theirs))
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    lines = [f"# Edit alignment: mtqa.suggest.align vs errant, MLQE-PE {args.pair} dev", "",
             f"Command: `{cmd}`  ",
             f"{len(pairs)} edited MT -> post-edit pairs (of the first {len(mts)} lines).", "",
             "| measure | value |", "|---|---|",
             f"| errant edits | {n_err} |", f"| align.py edits | {n_ours} |",
             f"| errant edits align.py finds with the same character span | {same_span} ({same_span / max(n_err, 1):.1%}) |",
             f"| ... and the same type | {same_type} ({same_type / max(n_err, 1):.1%}) |",
             f"| ... and the same type after `errant_typed` (what model suggestions get) | {same_retyped} ({same_retyped / max(n_err, 1):.1%}) |",
             f"| pairs with identical edit sets (span and type) | {identical} ({identical / max(len(pairs), 1):.1%}) |",
             f"| align.py time | {t_ours:.2f} s ({1000 * t_ours / max(len(pairs), 1):.2f} ms per pair) |",
             f"| errant time (two spaCy parses and annotate) | {t_errant:.2f} s ({1000 * t_errant / max(len(pairs), 1):.2f} ms per pair) |",
             f"| errant / align.py time | {t_errant / max(t_ours, 1e-9):.0f}x |",
             f"| align.py + `errant_typed` time | {t_retyped:.2f} s ({1000 * t_retyped / max(len(pairs), 1):.2f} ms per pair) |", "",
             "| errant type | errant edits | align.py same span and type |", "|---|---|---|"]
    for ty, n in by_type.most_common(15):
        lines.append(f"| {ty} | {n} | {hit_type[ty]} ({hit_type[ty] / n:.0%}) |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
