#!/usr/bin/env python3
"""Can the edit tagger screen sentences for the seq2seq post-editor?  For each sentence:
the tagger's strongest edit (max over words of log p(tag) - log p(keep)), and whether the
LoRA adapter's guard shows an edit there.  Prints, per threshold, the share of sentences
the adapter would still read and the share of its shown edits kept.

    .venv/bin/python benchmarks/tagger_screen.py [--news 400] [--synthetic 150] [--out FILE]

Sets: WMT22 ru-en news (Online-B, research use), MLQE-PE ru-en dev post-edits with injected
errors and clean (CC0), MLQE-PE ru-en dev MT (CC0).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
THRESHOLDS = (-4.0, -3.0, -2.0, -1.0, 0.0, 1.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", type=int, default=400)
    ap.add_argument("--synthetic", type=int, default=150)
    ap.add_argument("--synthetic-sets", default="ru-en/dev",
                    help="MLQE-PE sets whose post-edits get injected errors (ro-en/dev,et-en/dev to tune)")
    ap.add_argument("--only-synthetic", action="store_true", help="leave out the news and MT sets")
    ap.add_argument("--mt", type=int, default=300)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from mtqa.suggest import ModelSuggester
    from mtqa.suggest.backend import load_backend
    from mtqa.suggest.synth import corrupt_many
    from mtqa.suggest.tagger import strongest_edit

    news = [x.strip() for x in (DATA / "wmt22-ru-en/news/mt/Online-B.en").read_text(encoding="utf-8").split("\n")
            if x.strip()][: args.news]
    bad, clean = [], []
    for name in args.synthetic_sets.split(","):
        c = [x.strip() for x in (DATA / "mlqe-pe" / name / "pe.detok.en").read_text(encoding="utf-8").split("\n")
             if x.strip()]
        bad += [b for _, b, _ in corrupt_many(c, 7, args.synthetic)]
        clean += c[: args.synthetic]
    mt = [x.strip() for x in (DATA / "mlqe-pe/ru-en/dev/mt.en").read_text(encoding="utf-8").split("\n")
          if x.strip()][: args.mt]
    sets = {f"{args.synthetic_sets} injected + clean": bad + clean}
    if not args.only_synthetic:
        sets.update({"WMT22 news (Online-B)": news, "ru-en dev MT": mt})
    tagger = load_backend("tagger")
    lora = ModelSuggester("lora")
    lines = ["| set | sentences | adapter shows edits in | " + " | ".join(f"margin ≥ {t}: read, shown kept" for t in THRESHOLDS) + " |",
             "|---|---|---|" + "---|" * len(THRESHOLDS)]
    for name, sents in sets.items():
        t0 = time.time()
        best = [strongest_edit(p) for p in tagger.predictions(sents)]
        t_tag = time.time() - t0
        t0 = time.time()
        shown = []
        for i in range(0, len(sents), 40):
            shown += [bool(r.accepted) for r in lora.review(sents[i:i + 40])]
        t_lora = time.time() - t0
        best, shown = np.array(best), np.array(shown)
        cells = []
        for t in THRESHOLDS:
            read = best >= t
            cells.append(f"{read.mean():.0%}, {int((read & shown).sum())}/{int(shown.sum())}")
        lines.append(f"| {name} | {len(sents)} | {int(shown.sum())} | " + " | ".join(cells) + " |")
        print(f"{name}: tagger {t_tag:.1f} s, adapter {t_lora:.1f} s", file=sys.stderr, flush=True)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    text = "\n".join(["# The edit tagger as a screen for the seq2seq adapter", "", f"Command: `{cmd}`", "", *lines, ""])
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
