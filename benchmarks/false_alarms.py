#!/usr/bin/env python3
"""Fluent text should stay quiet: findings per 100 words on WMT22 ru-en news, the human
reference beside each of the 10 MT systems' outputs of the same lines.

    .venv/bin/python benchmarks/false_alarms.py [--docs N] [--no-qe] [--out FILE]

Every text is rebuilt into its articles (one paragraph per segment, grouped by
``doc_id`` in ``segments.tsv``) and checked as `mtqa check` does by default - rules, a
LanguageTool server and the QE model (QE001) - without the post-editing model unless
``--model`` (then its shown suggestions, MDL:*, count as findings).  Prints findings per 100 words per text, each system's ratio
to the reference, and the rules that fire most on the reference.
Data: WMT22 general task ru-en, news domain (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def _table(results: dict) -> list[str]:
    """Findings per 100 words per text, each text's ratio to the reference, the systems' mean."""
    ref_words, ref_rules = results["reference (ref.A.en)"]
    ref_rate = 100 * sum(ref_rules.values()) / max(1, ref_words)
    systems = [n for n in results if not n.startswith("reference")]
    sys_rates = [100 * sum(results[n][1].values()) / max(1, results[n][0]) for n in systems]
    mean = sum(sys_rates) / len(sys_rates) if sys_rates else float("nan")
    out = ["| text | words | findings | per 100 words | × reference |", "|---|---|---|---|---|"]
    for name in results:
        w, r = results[name]
        rate = 100 * sum(r.values()) / max(1, w)
        out.append(f"| {name} | {w} | {sum(r.values())} | {rate:.2f} | "
                   + (f"{rate / ref_rate:.2f}" if ref_rate else "n/a") + " |")
    out.append(f"| **systems' mean** | | | **{mean:.2f}** | **" + (f"{mean / ref_rate:.2f}" if ref_rate else "n/a") + "** |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", default=str(NEWS))
    ap.add_argument("--docs", type=int, default=0, help="first N articles only")
    ap.add_argument("--no-qe", action="store_true")
    ap.add_argument("--model", action="store_true", help="with the default post-editor: its shown suggestions count too")
    ap.add_argument("--lt-url", default=os.environ.get("MTQA_LT_URL"))
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--systems", default="", help="comma-separated system names (default: all 10)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--all-rules", action="store_true", help="also the rules that are off by default")
    ap.add_argument("--source", action="store_true",
                    help="also give each article its Russian original (src.ru, grouped the same way): the source "
                         "checks (SRC*) run, paragraph by paragraph; the table shows both arms, without and with them")
    ap.add_argument("--rows", default=None, help="write every finding (text, article, rule, severity) as JSON lines here")
    args = ap.parse_args()

    from mtqa.checks.source import SOURCE_CHECKS
    from mtqa.evaluate.datasets import articles, read_segments_tsv
    from mtqa.run.checker import Backends, Checker, Settings
    from mtqa.types import Origin

    news = Path(args.news)
    rows = read_segments_tsv(news / "segments.tsv")
    texts = {"reference (ref.A.en)": news / "ref.A.en"}
    wanted = {x for x in args.systems.split(",") if x}
    texts.update({p.stem: p for p in sorted((news / "mt").glob("*.en")) if not wanted or p.stem in wanted})
    results = {}
    plain = {}  # with --source: the same articles checked without it (both arms in one run)
    rows_out = []
    src_lines = (news / "src.ru").read_text(encoding="utf-8").removesuffix("\n").split("\n") if args.source else None
    src_arts = dict(articles(src_lines, rows)) if src_lines else {}
    settings = Settings(opt_in=("",)) if args.all_rules else Settings()
    t0 = time.time()
    with Checker(Backends(lt_url=args.lt_url, model=args.model, qe=not args.no_qe)) as ck:
        for name, path in texts.items():
            lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
            arts = articles(lines, rows)[: args.docs or None]
            words = 0
            rules: Counter = Counter()
            rules_plain: Counter = Counter()
            for doc_id, text in arts:
                if args.source:
                    rules_plain.update(f.rule_id for f in ck.check(text, doc_id, settings).findings
                                       if not f.is_suggestion)
                rep = ck.check(text, doc_id, settings, source=src_arts.get(doc_id))
                words += rep.words
                shown = [f for f in rep.findings if not f.is_suggestion]
                rules.update(f.rule_id for f in shown)
                rows_out += [{"text": name, "doc": doc_id, "words": rep.words, "rule": f.rule_id,
                              "severity": f.severity.value, "category": f.category.value,
                              "span": text[f.start:f.end][:80]} for f in shown]
                if not shown:
                    rows_out.append({"text": name, "doc": doc_id, "words": rep.words, "rule": None})
            results[name] = (words, rules)
            plain[name] = (words, rules_plain)
            print(f"{name}: {sum(rules.values())} findings in {words} words, {time.time() - t0:.0f} s",
                  file=sys.stderr, flush=True)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    n_arts = len(articles(lines, rows)[: args.docs or None])
    out = [f"# Findings per 100 words: WMT22 ru-en news, human reference vs 10 MT systems", "",
           f"Command: `{cmd}`  ",
           f"{n_arts} articles per text; default checks "
           f"({'no QE' if args.no_qe else 'QE001 included'}), "
           f"{'the default post-editor on (its MDL: suggestions are findings)' if args.model else 'no post-editing model'}"
           + ("; with the Russian source (SRC* checks), and the same run without them." if args.source else "."), ""]
    arms = [("without the source", plain), ("with the source (`--source`)", results)] if args.source else [("", results)]
    for title, res in arms:
        if title:
            out += [f"**{title}**", ""]
        out += _table(res)
        out.append("")
    ref_rules = results["reference (ref.A.en)"][1]
    systems = [n for n in results if not n.startswith("reference")]
    out += ["Most frequent findings on the reference" + (" (with the source)" if args.source else "") + ":", "",
            "| rule | reference | systems (total) |", "|---|---|---|"]
    sys_total: Counter = Counter()
    for n in systems:
        sys_total.update(results[n][1])
    for rule, n in ref_rules.most_common(args.top):
        out.append(f"| {rule} | {n} | {sys_total[rule]} |")
    if args.source:
        out += ["", "Source checks (SRC*), reference and each system:", "",
                "| text | " + " | ".join(sorted(SOURCE_CHECKS)) + " |", "|---|" + "---|" * len(SOURCE_CHECKS)]
        for name in results:
            out.append(f"| {name} | " + " | ".join(str(results[name][1][r]) for r in sorted(SOURCE_CHECKS)) + " |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.rows:
        import json

        Path(args.rows).write_text("".join(json.dumps(r) + "\n" for r in rows_out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
