#!/usr/bin/env python3
"""Which word should QE001 point at?  Strategies scored against MLQE-PE word tags.

    .venv/bin/python benchmarks/qe001_pointer.py --rows out/fp_train_def.jsonl \
        --data ../shared/data/mlqe-pe/ru-en/train [--out FILE]

QE001 is a sentence-level finding (the quality estimate is low and no rule names a
problem) that points at one word.  ``--rows`` is a finding dump of
``benchmarks/flag_precision.py --rows`` on the same split: its QE001 lines are the
sentences the pipeline flagged.  For each, every strategy picks one word with the QE
language model's per-word log-probabilities, and the pick is scored as flag_precision
scores a finding (it touches a BAD token or a BAD gap beside it).  Choose on train, report
on dev.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

STRATEGIES = ("random", "lp", "slor", "lp+next", "slor+next", "next")


def pick(words: list[tuple[int, int, float]], uni: list[float], how: str, rng: random.Random) -> int:
    """Index of the word a strategy points at.  ``words``: (start, end, ln p(word | left
    context)); ``uni``: ln p(word) from wordfreq."""
    n = len(words)
    lp = [w[2] for w in words]
    slor = [lp[i] - uni[i] for i in range(n)]  # how much less likely here than anywhere

    def with_next(v):  # a wrong word often shows in the next word's surprise as well
        return [v[i] + (v[i + 1] if i + 1 < n else 0.0) for i in range(n)]

    score = {"lp": lp, "slor": slor, "lp+next": with_next(lp), "slor+next": with_next(slor),
             "next": [lp[i + 1] if i + 1 < n else 0.0 for i in range(n)]}.get(how)
    if score is None:
        return rng.randrange(n)
    return min(range(n), key=lambda i: score[i])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from mtqa.evaluate.metrics import read_lines, tag_spans, touches_bad
    from mtqa.qe.features import unigram_logprob, word_logprobs
    from mtqa.qe.lmscore import token_logprobs
    from mtqa.qe.model import QualityEstimator

    d = Path(args.data)
    mt, tok, tags = (read_lines(d / n) for n in ("mt.en", "mt.tok.en", "tags"))
    rows = [json.loads(x) for x in read_lines(args.rows) if x.strip()]
    lines = sorted({r["line"] for r in rows if r["rule"] == "QE001"})
    qe = QualityEstimator.load()
    scores = token_logprobs(qe.lm, [mt[i] for i in lines])
    rng = random.Random(13)
    right = {s: 0 for s in STRATEGIES}
    n = 0
    for i, ts in zip(lines, scores):
        words = word_logprobs(mt[i], ts)
        if not words:
            continue
        uni = [unigram_logprob(mt[i][s:e]) for s, e, _ in words]
        spans, tg = tag_spans(mt[i], tok[i].split()), tags[i].split()
        n += 1
        for how in STRATEGIES:
            k = pick(words, uni, how, rng)
            right[how] += touches_bad(words[k][0], words[k][1], spans, tg)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    out = [f"# Where QE001 points: `{args.data}`", "", f"Command: `{cmd}`  ",
           f"{n} sentences that the pipeline flagged with QE001.", "",
           "| strategy | right | precision |", "|---|---|---|"]
    out += [f"| {s} | {right[s]} | {right[s] / max(n, 1):.1%} |" for s in STRATEGIES]
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
