#!/usr/bin/env python3
"""The source checks (SRC*) on WMT22 ru-en news, line-aligned: the human reference against
each of the 10 MT systems, every line checked against its Russian original.

    .venv/bin/python benchmarks/source_checks.py [--examples RULE] [--out FILE]

A check that fires on the human reference as often as on MT cannot tell them apart; one
that is silent on the reference and fires on MT is catching translation errors.  Fast (no
LanguageTool, no model): `mtqa.checks.source.check_source` on 11 x 1004 lines.
Data: WMT22 general task ru-en, news domain (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", default=str(NEWS))
    ap.add_argument("--examples", default="", help="print every finding of this rule id on the reference")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from mtqa.checks import source

    check_source = source.check_source
    # SOURCE_CHECKS is newer than the checks: an older checkout (a before/after run) lacks it
    ids = sorted(getattr(source, "SOURCE_CHECKS", [f"SRC00{i}" for i in range(1, 7)]))

    news = Path(args.news)
    src = news.joinpath("src.ru").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    texts = {"reference (ref.A.en)": news / "ref.A.en", **{p.stem: p for p in sorted((news / "mt").glob("*.en"))}}
    counts = {}
    for name, path in texts.items():
        lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
        c: Counter = Counter()
        for mt, s in zip(lines, src):
            for f in check_source(mt, s):
                c[f.rule_id] += 1
                if args.examples == f.rule_id and name.startswith("reference"):
                    print(f"{f.rule_id}: {f.message} || {mt[:120]}", file=sys.stderr)
        counts[name] = c
    systems = [n for n in counts if not n.startswith("reference")]
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    out = ["# Source checks on WMT22 ru-en news, line-aligned (all run, SRC005 included)", "",
           f"Command: `{cmd}`", "", "| text | " + " | ".join(ids) + " |", "|---|" + "---|" * len(ids)]
    for name in counts:
        out.append(f"| {name} | " + " | ".join(str(counts[name][r]) for r in ids) + " |")
    out.append("| **systems' mean** | " + " | ".join(f"{sum(counts[n][r] for n in systems) / len(systems):.1f}"
                                                  for r in ids) + " |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
