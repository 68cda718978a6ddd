#!/usr/bin/env python3
"""Can a copy token make the post-editor cheap?  Held-out measurement of an adapter trained
with ``scripts/train_ape_lora.py --copy-answer "="`` (an input it leaves alone is answered
with one token, so a copy costs the prompt alone: ``GuidedDecoder(copy_id=...)``).

    .venv/bin/python benchmarks/ape_copy_gate.py --spec out/ape-copy --sets ro-en/dev,et-en/dev --limit 100

On post-edits with injected errors (``mtqa.suggest.synth``, as in ``ape_synthetic.py``)
and on the clean post-edits, every sentence is decoded with the copy token barred at the
first answer position (its best answer that writes a sentence), and two numbers are kept:
the gate's gap (the copy token's first-position logit minus the best other one's) and the
guard's confidence margin of the answer (log P(answer) - log P(copy answer)).  The tables
show what a gate threshold saves (inputs answered at the gate) and what it costs (edits
lost), and which edits each margin threshold accepts.  Raw model output, no other guard.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True,
                    help="an adapter directory (with copy_answer in adapter.json for the gate table)")
    ap.add_argument("--sets", default="ro-en/dev,et-en/dev")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import torch
    from sacrebleu.metrics import TER

    from ape_synthetic import corrupt_set
    from mtqa.suggest.backend import CausalBackend

    torch.set_num_threads(args.threads)
    pairs, clean = [], []
    for name in args.sets.split(","):
        p, c = corrupt_set(name, args.limit, args.seed)
        pairs += p
        clean += c
    refs = [g for g, _, _ in pairs] + clean
    sents = [b for _, b, _ in pairs] + clean
    n = len(pairs)
    t0 = time.time()
    be = CausalBackend("smollm2", "cpu", adapter=Path(args.spec), cache=None)
    gated = be.copy_id() is not None  # else an adapter that answers with the sentence: no gate table
    be.copy_margin = math.inf  # no input is copied at the gate: every answer is decoded
    outs = be.generate_guided(sents)
    dec, tok = be.decoder, be.tok
    pre = len(be._prefix_ids())
    ctx = [tok(be.prompt(s), add_special_tokens=False)["input_ids"][pre:] for s in sents]
    gaps = []
    for i in range(0, len(ctx), 16) if gated else ():
        gaps += dec._copy_gaps([list(c) for c in ctx[i:i + 16]])
    margins = []
    for s, o in zip(sents, outs):
        if o == s:
            margins.append(None)
        else:
            keep, edit = be.logprobs(s, [s, o])
            margins.append(edit - keep)
    seconds = time.time() - t0
    ter = TER()
    closer = [o != s and ter.sentence_score(o, [r]).score < ter.sentence_score(s, [r]).score
              for s, o, r in zip(sents, outs, refs)]

    def row(sel):
        acc = [i for i in range(n) if sel(i)]
        good = sum(closer[i] for i in acc)
        cc = sum(1 for i in range(n, len(sents)) if sel(i))
        return len(acc), good, sum(outs[i] == refs[i] for i in acc), cc

    lines = ["# A copy token at the first answer position: held-out measurement", "",
             f"Command: `python {' '.join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])}`  ",
             f"Model: `{be.model_id}`; {n} post-edits with injected errors and {len(clean)} clean post-edits "
             f"({args.sets}, MLQE-PE, CC0, never in training); {seconds:.0f} s.", ""]
    if gated:
        lines += ["**The gate**: inputs whose gap is at least the threshold are answered at the gate (copied);",
             "the others are decoded. Edits are the raw model's, no guard.", "",
             "| gate threshold | answered at the gate | corrupted changed | of them closer | restored exactly | clean changed |",
             "|---|---|---|---|---|---|"]
    for delta in (0.0, 0.5, 1.0, 2.0, math.inf) if gated else ():
        a, g, e, cc = row(lambda i: outs[i] != sents[i] and gaps[i] < delta)
        gated = sum(x >= delta for x in gaps)
        lines.append(f"| {delta:g} | {gated}/{len(sents)} | {a} | {g} ({g / max(1, a):.0%}) | {e} | {cc}/{len(clean)} |")
    lines += ["", "**The guard's confidence margin** (log P(edit) - log P(unchanged answer)), no gate:", "",
              "| margin >= | corrupted accepted | of them closer | restored exactly | clean changed |",
              "|---|---|---|---|---|"]
    for m in (-2.0, -1.0, 0.0, 0.5, 1.0, 2.0):
        a, g, e, cc = row(lambda i: margins[i] is not None and margins[i] >= m)
        lines.append(f"| {m:g} | {a} | {g} ({g / max(1, a):.0%}) | {e} | {cc}/{len(clean)} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
