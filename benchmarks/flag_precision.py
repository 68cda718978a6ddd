#!/usr/bin/env python3
"""Precision of every finding source against human post-edits: MLQE-PE word-level tags.

    .venv/bin/python benchmarks/flag_precision.py [--data ../shared/data/mlqe-pe/ru-en/dev] [--out FILE]
    .venv/bin/python benchmarks/flag_precision.py --all-rules --out benchmarks/results/flag_precision_all.md

Runs the real pipeline (rules, a LanguageTool server, the QE model for QE001; no
post-editing model) on the MT of an MLQE-PE split, as ``--lines`` documents, and scores
each finding against the split's ``tags`` (OK/BAD for every token and every gap of
``mt.tok.en``, derived from the human post-edit, CC0): a finding is right when its span
touches a word the post-editor changed - a BAD token inside the span, or a BAD gap next to
a token of the span (for a span between tokens: the gap it lies in).  Prints precision and
count per rule id (LanguageTool rules as ``LT:<id>``), per severity and for all findings,
beside the base rate (the share of BAD tokens) and the recall of BAD tokens.

``--all-rules`` also turns on what the default leaves off (the opt-in style rules and
LanguageTool rules), so the table shows the evidence for leaving them off.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "mlqe-pe" / "ru-en" / "dev"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--all-rules", action="store_true", help="also the rules that are off by default")
    ap.add_argument("--no-qe", action="store_true")
    ap.add_argument("--lt-url", default=os.environ.get("MTQA_LT_URL"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--rows", default=None, help="write every finding (rule, severity, right) as JSON lines here")
    args = ap.parse_args()

    from mtqa.evaluate.metrics import tag_spans, touches_bad
    from mtqa.run.checker import Backends, Checker, Settings
    from mtqa.types import Origin

    d = Path(args.data)
    mt = (d / "mt.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    tok = (d / "mt.tok.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    tags = (d / "tags").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    if args.limit:
        mt, tok, tags = mt[:args.limit], tok[:args.limit], tags[:args.limit]
    spans = [tag_spans(m, t.split()) for m, t in zip(mt, tok)]
    tagl = [t.split() for t in tags]
    assert all(len(g) == 2 * len(s) + 1 for g, s in zip(tagl, spans))
    settings = Settings(lines=True, opt_in=("",)) if args.all_rules else Settings(lines=True)
    per_rule: dict[str, Counter] = defaultdict(Counter)
    per_sev: dict[str, Counter] = defaultdict(Counter)
    touched: set[tuple[int, int]] = set()
    words = 0
    rows = []
    t0 = time.time()
    with Checker(Backends(lt_url=args.lt_url, model=False, qe=not args.no_qe)) as ck:
        for i in range(0, len(mt), args.chunk):
            lines = mt[i:i + args.chunk]
            text = "\n".join(lines) + "\n"
            rep = ck.check(text, f"{d.name}[{i}:]", settings)
            starts = [0]
            for ln in lines:
                starts.append(starts[-1] + len(ln) + 1)
            words += rep.words
            for f in rep.findings:
                if f.is_suggestion:
                    continue  # model suggestions are not findings
                k = max(j for j in range(len(lines)) if starts[j] <= f.start)
                s, e = f.start - starts[k], f.end - starts[k]
                right = touches_bad(s, e, spans[i + k], tagl[i + k])
                # the sentence's score (the quality estimate when QE is on)
                sent = next((r.score for r in rep.sentences if r.segment.start <= f.start < max(r.segment.end, r.segment.start + 1)), None)
                rows.append({"line": i + k, "rule": f.rule_id, "severity": f.severity.value,
                             "category": f.category.value, "right": right, "text": lines[k][s:e],
                             "fix": bool(f.replacements), "confidence": f.confidence, "sentence_score": sent})
                # QE001 spans its sentence: "word-level" is everything else
                word_level = () if f.rule_id == "QE001" else (per_sev["word-level (all but QE001)"],)
                for c in (per_rule[f.rule_id], per_sev[f.severity.value], per_sev["all"]) + word_level:
                    c["n"] += 1
                    c["right"] += right
                for j, (ts, te) in enumerate(spans[i + k]):
                    if ts < max(e, s + 1) and s < te:
                        touched.add((i + k, j))
            print(f"{min(i + args.chunk, len(mt))}/{len(mt)} lines, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    bad_tokens = {(i, j) for i, g in enumerate(tagl) for j, t in enumerate(g[1::2]) if t == "BAD"}
    n_tokens = sum(len(s) for s in spans)
    base = len(bad_tokens) / n_tokens
    # what a finding on one random token scores: the token, or a gap beside it, is BAD
    rand = sum(k[j] == "BAD" or g[j] == "BAD" or g[j + 1] == "BAD"
               for t in tagl for g, k in [(t[0::2], t[1::2])] for j in range(len(k))) / n_tokens
    recall = len(bad_tokens & touched) / max(1, len(bad_tokens))
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    out = [f"# Finding precision against MLQE-PE word tags: `{args.data}`{' (all rules on)' if args.all_rules else ''}",
           "", f"Command: `{cmd}`  ",
           f"{len(mt)} MT sentences, {n_tokens} tokens, {words} words; base rate (share of BAD tokens) "
           f"**{base:.1%}**; a one-token finding on a random token is right {rand:.1%} of the time; BAD tokens touched by some finding (recall): **{recall:.1%}**; findings per 100 words "
           f"{100 * per_sev['all']['n'] / max(1, words):.2f}.", "",
           "| severity | findings | right | precision |", "|---|---|---|---|"]
    for sev in ("critical", "major", "minor", "all", "word-level (all but QE001)"):
        c = per_sev.get(sev, Counter())
        out.append(f"| {sev} | {c['n']} | {c['right']} | " + (f"{c['right'] / c['n']:.1%}" if c["n"] else "n/a") + " |")
    out += ["", "| rule | findings | right | precision |", "|---|---|---|---|"]
    for r, c in sorted(per_rule.items(), key=lambda kv: (-kv[1]["n"], kv[0])):
        out.append(f"| {r} | {c['n']} | {c['right']} | {c['right'] / c['n']:.1%} |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.rows:
        import json

        Path(args.rows).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
