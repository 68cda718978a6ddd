#!/usr/bin/env python3
"""Training data for the post-editor, reproducibly (fixed seed; nothing copied into the repo).

    python scripts/make_ape_data.py learn            # error statistics from ru-en train
    python scripts/make_ape_data.py make --out out/ape-train.jsonl

``learn`` aligns every MLQE-PE ru-en **train** MT sentence with its human post-edit
(errant), keeps the fluency-type edits (``mtqa.suggest.synth.FLUENCY_TYPES``) and writes
their statistics to ``mtqa/suggest/data/interference.json`` (counts, word confusions,
errors per sentence: numbers, not sentences).

``make`` writes JSON lines ``{"src", "tgt", "kind", "types"}``, shuffled:
- ``synthetic``: a clean sentence (a human post-edit from the **train** split of any of
  the five MLQE-PE into-English pairs) with learned errors injected -> the clean sentence;
- ``clean``: a clean sentence -> itself (leave good text alone);
- ``real``: a ru-en train MT sentence -> the same MT with only the post-editor's fluency
  edits applied (meaning edits dropped, since the English alone cannot reveal them); MT
  whose post-edit is the MT itself, or whose edits are all meaning edits, -> itself; MT
  where a fluency edit is part of a meaning rewrite is left out.
No dev or test line is read, and clean sentences that also occur in a dev split are skipped.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from mtqa.suggest.synth import DEFAULT_MODEL, Corruptor, ErrorModel, apply_fluency_edits, load_annotator

LANGS = ("ru-en", "ro-en", "et-en", "ne-en", "si-en")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").removesuffix("\n").split("\n")


def learn(args) -> int:
    d = Path(args.data) / "ru-en" / "train"
    pairs = list(zip(_lines(d / "mt.en"), _lines(d / "pe.detok.en")))
    t0 = time.time()
    model = ErrorModel.learn(pairs, load_annotator(), source="MLQE-PE ru-en train (CC0): mt.en -> pe.detok.en, errant 3.0.2")
    out = Path(args.out or DEFAULT_MODEL)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"{model.sentences} pairs, {model.changed} with fluency edits, {sum(model.types.values())} "
          f"fluency edits in {time.time() - t0:.0f} s -> {out}")
    for t, n in sorted(model.types.items(), key=lambda kv: -kv[1]):
        print(f"  {t:14} {n}")
    return 0


def make(args) -> int:
    rng = random.Random(args.seed)
    root = Path(args.data)
    dev = set()
    for lang in LANGS:
        p = root / lang / "dev" / "pe.detok.en"
        if p.exists():
            dev.update(s.strip() for s in _lines(p))
    clean, seen = [], set()
    for lang in LANGS:
        for s in _lines(root / lang / "train" / "pe.detok.en"):
            s = s.strip()
            n = len(s.split())
            if s in seen or s in dev or not (args.min_words <= n <= args.max_words):
                continue
            seen.add(s)
            clean.append(s)
    rng.shuffle(clean)
    need = args.synthetic + args.clean
    if need > len(clean):
        print(f"only {len(clean)} clean sentences for {need}", file=sys.stderr)
        return 2
    corr = Corruptor(seed=args.seed)
    out = []
    types: Counter = Counter()
    t0 = time.time()
    pool = clean[:args.synthetic]
    k = 0
    for doc, s in zip(corr.nlp.pipe(pool, batch_size=256), pool):
        bad, inj = corr.corrupt(s, doc)
        if not inj or bad == s:
            out.append({"src": s, "tgt": s, "kind": "clean", "types": []})
        else:
            out.append({"src": bad, "tgt": s, "kind": "synthetic", "types": [i.type for i in inj]})
            types.update(i.type for i in inj)
        k += 1
        if k % 2000 == 0:
            print(f"synthetic {k}/{len(pool)} {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    for s in clean[args.synthetic:need]:
        out.append({"src": s, "tgt": s, "kind": "clean", "types": []})
    if args.real:
        ann = load_annotator()
        d = root / "ru-en" / "train"
        pairs = list(zip(_lines(d / "mt.en"), _lines(d / "pe.detok.en")))
        rng.shuffle(pairs)
        real = []
        for mt, pe in pairs:
            mt, pe = mt.strip(), pe.strip()
            if not mt or not (args.min_words <= len(mt.split()) <= args.max_words):
                continue
            tgt = apply_fluency_edits(ann, mt, pe)
            if tgt is None:  # a fluency fix inside a rewrite: not learnable from the English
                continue
            real.append({"src": mt, "tgt": tgt, "kind": "real" if tgt != mt else "real-unchanged", "types": []})
            if len(real) >= args.real:
                break
        out += real
    rng.shuffle(out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = Counter(r["kind"] for r in out)
    print(json.dumps({"pairs": len(out), "kinds": dict(kinds), "injected": dict(types.most_common()),
                      "seconds": round(time.time() - t0)}, indent=1))
    return 0


def heldout(args) -> int:
    """ru-en train MT lines (and their post-edits) that the first ``--used`` pairs of the
    training file did not contain: held-out ru-en data for tuning the guard without
    touching ru-en dev.  Written as ``mt.en``/``pe.detok.en`` under ``--out``."""
    used = set()
    with open(args.pairs, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            if k >= args.used:
                break
            used.add(json.loads(line)["src"])
    d = Path(args.data) / "ru-en" / "train"
    pairs = [(m.strip(), p.strip()) for m, p in zip(_lines(d / "mt.en"), _lines(d / "pe.detok.en"))]
    keep = [(m, p) for m, p in pairs if m and m not in used and args.min_words <= len(m.split()) <= args.max_words]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "mt.en").write_text("\n".join(m for m, _ in keep) + "\n", encoding="utf-8")
    (out / "pe.detok.en").write_text("\n".join(p for _, p in keep) + "\n", encoding="utf-8")
    print(f"{len(keep)} of {len(pairs)} ru-en train lines not in the first {args.used} training pairs -> {out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mlqe-pe"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("learn")
    a.add_argument("--out", default=None)
    m = sub.add_parser("make")
    m.add_argument("--out", required=True)
    m.add_argument("--synthetic", type=int, default=9000, help="clean sentences to corrupt")
    m.add_argument("--clean", type=int, default=3000, help="clean -> clean pairs")
    m.add_argument("--real", type=int, default=3000, help="ru-en train MT -> fluency-only post-edit pairs")
    m.add_argument("--min-words", type=int, default=4)
    m.add_argument("--max-words", type=int, default=45)
    m.add_argument("--seed", type=int, default=13)
    h = sub.add_parser("heldout")
    h.add_argument("--pairs", required=True, help="the training file")
    h.add_argument("--used", type=int, required=True, help="how many of its pairs trained the model (--limit)")
    h.add_argument("--out", required=True)
    h.add_argument("--min-words", type=int, default=4)
    h.add_argument("--max-words", type=int, default=45)
    args = ap.parse_args()
    return {"learn": learn, "make": make, "heldout": heldout}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
