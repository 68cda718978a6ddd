#!/usr/bin/env python3
"""What do human post-editors change?  Errant-style edit types (mtqa.suggest.align) of
MT -> post-edit over an MLQE-PE split (CC0).

    .venv/bin/python benchmarks/pe_edit_types.py [--split ru-en/train] [--top 25]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mtqa.suggest.align import align  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/mlqe-pe"))
    ap.add_argument("--split", default="ru-en/train")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    d = Path(args.data) / args.split
    mt = (d / "mt.en").read_text(encoding="utf-8").split("\n")
    pe = (d / "pe.detok.en").read_text(encoding="utf-8").split("\n")
    types, same = Counter(), 0
    for m, p in zip(mt, pe):
        if not m and not p:
            continue
        if m == p:
            same += 1
            continue
        types.update(e.type for e in align(m, p))
    n = sum(1 for m, p in zip(mt, pe) if m or p)
    print(f"MLQE-PE {args.split}: {n} pairs, {same} post-edits identical to the MT, "
          f"{sum(types.values())} edits in the others\n")
    print("| type | edits |\n|---|---|")
    for k, v in types.most_common(args.top):
        print(f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
