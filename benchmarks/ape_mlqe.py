#!/usr/bin/env python3
"""Guarded model post-editing on MLQE-PE ru-en dev (CC0): raw MT vs MT with the accepted
model edits applied, both scored against the human post-edits.

    .venv/bin/python benchmarks/ape_mlqe.py [--limit N] [--spec SPEC] [--out FILE]

Every dev sentence goes to the model (the benchmark does not run the rule/LanguageTool
pipeline that selects sentences in `mtqa check`).  Reports corpus TER/chrF/BLEU
(sacrebleu), guard verdicts by reason, precision of accepted edits (share whose
application alone lowers the sentence's TER against the post-edit) and throughput.
Generation runs with a private, fresh output cache so the throughput is real.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/mlqe-pe/ru-en/dev"))
    ap.add_argument("--limit", type=int, default=0, help="first N sentences only")
    ap.add_argument("--spec", default=None, help="model spec (default: smollm2 few-shot)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--out", default=None, help="write the markdown results here")
    ap.add_argument("--cache", action="store_true",
                    help="use the shared output cache (fast reruns; throughput then means little)")
    ap.add_argument("--examples", type=int, default=12, help="accepted edits to list")
    args = ap.parse_args()

    import torch
    from sacrebleu.metrics import BLEU, CHRF, TER

    from mtqa.suggest import ModelSuggester
    from mtqa.suggest.align import apply
    from mtqa.suggest.backend import OutputCache

    torch.set_num_threads(args.threads)
    d = Path(args.data)
    mt = (d / "mt.en").read_text(encoding="utf-8").splitlines()
    pe = (d / "pe.detok.en").read_text(encoding="utf-8").splitlines()
    if args.limit:
        mt, pe = mt[: args.limit], pe[: args.limit]

    t0 = time.time()
    ms = ModelSuggester(args.spec)
    ms.backend.batch_size = args.batch
    load_s = time.time() - t0
    with tempfile.TemporaryDirectory() as tmp:
        if not args.cache:
            ms.backend.cache = OutputCache(Path(tmp) / "out.sqlite")
        t0 = time.time()
        outputs = []
        for i in range(0, len(mt), 50):  # chunks, to show progress on long CPU runs
            outputs += ms.backend.correct(mt[i:i + 50])
            print(f"{len(outputs)}/{len(mt)} sentences, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
        gen_s = time.time() - t0
        t0 = time.time()
        results = ms.review(mt)  # outputs now come from the private cache
        guard_s = time.time() - t0

    ter = TER()
    fixed, reasons, types_ok = [], Counter(), Counter()
    good = neutral = bad = 0
    examples = []
    for r, ref in zip(results, pe):
        fixed.append(apply(r.sentence, r.accepted))
        base = ter.sentence_score(r.sentence, [ref]).score
        for v in r.verdicts:
            reasons[v.reason or "accepted"] += 1
            if not v.ok:
                continue
            types_ok[v.edit.type] += 1
            alone = ter.sentence_score(apply(r.sentence, [v.edit]), [ref]).score
            good += alone < base
            neutral += alone == base
            bad += alone > base
            if len(examples) < args.examples:
                mark = "+" if alone < base else "=" if alone == base else "-"
                examples.append(f"| {mark} | {v.edit.type} | {_md(r.sentence)} | "
                                f"`{_md(r.sentence[v.edit.start:v.edit.end])}` → `{_md(v.edit.replacement)}` |")
    accepted = good + neutral + bad
    refs = [pe]
    rows = []
    for name, hyp in (("raw MT", mt), ("model output, unguarded", outputs), ("MT + accepted model edits", fixed)):
        rows.append(f"| {name} | {ter.corpus_score(hyp, refs).score:.2f} | "
                    f"{CHRF().corpus_score(hyp, refs).score:.2f} | {BLEU().corpus_score(hyp, refs).score:.2f} |")
    n = len(mt)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    lines = [
        "# Model suggestions on MLQE-PE ru-en dev",
        "",
        f"Command: `{cmd}`  ",
        f"Model: `{ms.model_id}` (prompt `{ms.backend.prompt_version}`), device {ms.backend.device}, "
        f"torch threads {args.threads}, batch {args.batch}.  ",
        f"Data: MLQE-PE ru-en dev (CC0), {n} sentences, `mt.en` vs `pe.detok.en`; every "
        "sentence sent to the model.",
        "",
        "| text | TER ↓ | chrF ↑ | BLEU ↑ |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Sentences changed by accepted edits: {sum(f != m for f, m in zip(fixed, mt))}/{n}; "
        f"model output identical to the input: {sum(o == m for o, m in zip(outputs, mt))}/{n}.",
        "",
        "Guard verdicts per aligned edit: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()),
        "",
        f"Accepted edits: {accepted}; closer to the post-edit (sentence TER drops when applied "
        f"alone) {good}, no change {neutral}, further {bad}; precision "
        + (f"{good / accepted:.1%}" if accepted else "n/a") + ".  ",
        "Accepted by type: " + (", ".join(f"{k} {v}" for k, v in types_ok.most_common()) or "none"),
        "",
        f"Throughput (CPU unless stated): generation {n / gen_s:.2f} sentences/s ({gen_s:.0f} s), "
        f"guard {n / guard_s:.2f} sentences/s ({guard_s:.0f} s); model load {load_s:.0f} s.",
        "",
        "Accepted edits (first few; + closer to the post-edit, = same, - further):",
        "",
        "| | type | sentence | edit |",
        "|---|---|---|---|",
        *examples,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":
    sys.exit(main())
