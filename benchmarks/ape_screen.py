#!/usr/bin/env python3
"""Can the QE pass tell which sentences the post-editor will leave alone?  A learned
screen over features the QE pass computes anyway (its 21 sentence features, token
log-prob counts and the pooled hidden layer 15) would let the decoder skip those
sentences and cut the model's cost on `mtqa check`.

    .venv/bin/python benchmarks/ape_screen.py collect train --n 3000   # ~20 min
    .venv/bin/python benchmarks/ape_screen.py collect synth|news|mlqe   # ~2-5 min each
    .venv/bin/python benchmarks/ape_screen.py fit [--out FILE]

``collect`` runs the QE pass and the shipped post-editor (decoder and guard) on a set and
stores, per sentence, the features and whether the decoder changed the sentence and
whether the guard showed an edit (``out/ape_screen/SET.npz``):
- train: pairs 28,000+ of ``out/ape-train.jsonl`` (made by scripts/make_ape_data.py;
  the shipped adapter was trained on the first 28,000), their input side;
- synth: MLQE-PE ru-en dev post-edits with injected errors (150) and clean (150), as
  benchmarks/ape_synthetic.py makes them (seed 7);
- news: the first 400 lines of WMT22 news, Online-B;
- mlqe: the first 300 lines of MLQE-PE ru-en dev MT.
``fit`` trains a logistic regression on train (label: the decoder changed the sentence),
sets the threshold that keeps 95% or 98% of train's changed sentences, and reports on the
other sets the share of sentences the decoder would still read and how many of the
changed sentences and shown edits it would keep.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "out" / "ape_screen"
SHARED = ROOT.parent / "shared" / "data"


def inputs(which: str, n: int) -> list[str]:
    if which == "train":
        lines = [json.loads(l)["src"] for i, l in enumerate(open(ROOT / "out/ape-train.jsonl")) if i >= 28000][:n]
    elif which == "synth":
        from ape_synthetic import corrupt_set

        pairs, clean = corrupt_set("ru-en/dev", 150, 7)
        lines = [c for _, c, _ in pairs] + clean
    elif which == "news":
        lines = (SHARED / "wmt22-ru-en/news/mt/Online-B.en").read_text(encoding="utf-8").split("\n")[:400]
    elif which == "mlqe":
        lines = (SHARED / "mlqe-pe/ru-en/dev/mt.en").read_text(encoding="utf-8").split("\n")[:300]
    else:
        raise SystemExit(f"unknown set {which}")
    return [l.strip() for l in lines if l.strip()]


def collect(which: str, n: int) -> None:
    from mtqa.qe import QualityEstimator
    from mtqa.qe.features import feature_matrix
    from mtqa.suggest import ModelSuggester

    lines = inputs(which, n)
    qe = QualityEstimator.load()
    t = time.time()
    scores, hidden = qe._lm_parts(lines)
    feats = feature_matrix(lines, scores)
    extra = np.array([[(ts.logprobs < -6).sum(), (ts.logprobs < -9).sum(),
                       np.sort(ts.logprobs)[:2].sum(), len(ts.logprobs)] for ts in scores], dtype=np.float32)
    tq = time.time() - t
    ms = ModelSuggester()
    t = time.time()
    res = ms.review(lines)
    tm = time.time() - t
    changed = np.array([r.output.strip() != r.sentence.strip() for r in res])
    shown = np.array([len(r.accepted) for r in res])
    print(f"{which}: {len(lines)} sentences, QE pass {tq:.1f} s, model {tm:.1f} s, changed {changed.sum()}, "
          f"shown {(shown > 0).sum()}")
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / f"{which}.npz", F=feats, H=hidden, X=extra, changed=changed, shown=shown)


def fit(out: str | None) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = {n: np.load(OUT / f"{n}.npz") for n in ("train", "synth", "news", "mlqe")}
    rows = ["| features | C | keep on train | set | sentences read | changed kept | shown kept |",
            "|---|---|---|---|---|---|---|"]
    for use_h in (False, True):
        def x(d):
            return np.hstack([d["F"], d["X"]] + ([d["H"]] if use_h else []))
        for c in (0.01, 1.0):
            tr = data["train"]
            sc = StandardScaler().fit(x(tr))
            clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(sc.transform(x(tr)), tr["changed"])
            ptr = clf.predict_proba(sc.transform(x(tr)))[:, 1]
            for keep in (0.95, 0.98):
                th = np.quantile(ptr[tr["changed"]], 1 - keep)
                for n in ("synth", "news", "mlqe"):
                    d = data[n]
                    p = clf.predict_proba(sc.transform(x(d)))[:, 1] >= th
                    ch, sh = d["changed"], d["shown"] > 0
                    rows.append(f"| {'QE feats + hidden' if use_h else 'QE feats'} | {c} | {keep:.0%} | {n} | "
                                f"{p.mean():.0%} | {(p & ch).sum()}/{ch.sum()} | {(p & sh).sum()}/{sh.sum()} |")
    text = "\n".join(rows)
    print(text)
    if out:
        Path(out).write_text("# A QE-feature screen for the post-editor\n\nCommand: `python benchmarks/ape_screen.py fit`\n\n"
                             + text + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("collect", "fit"))
    ap.add_argument("set", nargs="?", default="train")
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if a.stage == "collect":
        collect(a.set, a.n)
    else:
        fit(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
