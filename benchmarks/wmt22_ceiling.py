#!/usr/bin/env python3
"""How much of WMT22 ru-en news crowd DA can a sentence score explain at all?

    .venv/bin/python benchmarks/wmt22_ceiling.py [--scores FILE]

Pearson, over all news (system, line) rows of ``da_seg_scores.tsv`` (the rows of the QE
target "Pearson >= 0.15"), of raw DA and z-scored DA with predictors that see things mtqa
never sees, for scale:
- the mean human DA that the *other* systems got for the same line (how hard the line
  is, as judged by people: what a perfect difficulty-only predictor would reach);
- each system's mean DA over all its rows (a perfect system-only predictor);
- sentence chrF against the human reference (reference-based, sacrebleu);
- the mean human DA of the same (system, document): raw DA is dominated by each rater's
  own scale, and one rater scores a whole document, which z-scoring removes;
and, with ``--scores`` (one score per row, in ``da_seg_scores.tsv`` order, for example
mtqa's sentence estimates), those scores too.  No model is run here.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mtqa.qe.data import DATA, read_lines, read_tsv  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scores", help="a .npy or text file with one score per news row")
    args = ap.parse_args()
    from sacrebleu.metrics import CHRF

    base = DATA / "wmt22-ru-en"
    domain = {int(r["line"]): r["domain"] for r in read_tsv(base / "segments.tsv")}
    systems = {p.stem: read_lines(p) for p in sorted((base / "mt").glob("*.en"))}
    ref = read_lines(base / "ref.A.en")
    rows = [r for r in read_tsv(base / "da_seg_scores.tsv") if domain.get(int(r["line"])) == "news"]
    raw = np.array([float(r["raw"]) for r in rows])
    z = np.array([float(r["z"]) for r in rows])

    def oracles(y: np.ndarray) -> list[np.ndarray]:
        by_line, by_sys, by_doc = defaultdict(list), defaultdict(list), defaultdict(list)
        for r, v in zip(rows, y):
            by_line[r["line"]].append(v)
            by_sys[r["system"]].append(v)
            by_doc[(r["system"], r["doc_id"])].append(v)
        others = np.array([(sum(by_line[r["line"]]) - v) / (len(by_line[r["line"]]) - 1)
                           if len(by_line[r["line"]]) > 1 else float(np.mean(y)) for r, v in zip(rows, y)])
        system = np.array([np.mean(by_sys[r["system"]]) for r in rows])
        doc = np.array([np.mean(by_doc[(r["system"], r["doc_id"])]) for r in rows])
        return [others, system, doc]

    chrf = CHRF()
    sent_chrf = np.array([chrf.sentence_score(systems[r["system"]][int(r["line"]) - 1],
                                              [ref[int(r["line"]) - 1]]).score for r in rows])
    names = ["other systems' human DA, same line (oracle)", "system's mean human DA (oracle)",
             "same (system, document) mean human DA (oracle)"]
    # each oracle is built from the same kind of score it is compared with
    preds = [(n, a, b) for n, a, b in zip(names, oracles(raw), oracles(z))]
    preds.insert(2, ("sentence chrF vs the reference (sees the reference)", sent_chrf, sent_chrf))
    if args.scores:
        p = Path(args.scores)
        s = np.load(p) if p.suffix == ".npy" else np.loadtxt(p)
        assert len(s) == len(rows), f"{len(s)} scores for {len(rows)} rows"
        preds.append((f"scores from {p.name}", s, s))
    single = sum(r["n_judgements"] == "1" for r in rows)
    print(f"WMT22 ru-en news rows: {len(rows)} ({len({r['line'] for r in rows})} lines, "
          f"{len({r['system'] for r in rows})} systems); {single} rows rest on one judgement\n")
    print("| predictor | Pearson raw DA | Pearson z DA |")
    print("|---|---|---|")
    for name, a, b in preds:
        print(f"| {name} | {pearsonr(a, raw)[0]:.3f} | {pearsonr(b, z)[0]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
