#!/usr/bin/env python3
"""Held-out synthetic post-editing benchmark: the interference error generator
(``mtqa.suggest.synth``, learned on ru-en **train**) applied to human post-edits that no
model was trained on, then corrected.

    .venv/bin/python benchmarks/ape_synthetic.py [--sets ru-en/dev] [--limit N] [--out FILE]
    .venv/bin/python benchmarks/ape_synthetic.py --model-only --spec out/pilotA --sets ro-en/dev,et-en/dev --limit 150

Default mode runs `mtqa fix` as a user does - the real pipeline (rules, a LanguageTool
server, the QE model and the default post-editor), ``--lines`` documents of 100 lines -
twice: with default settings and with ``--no-model``, on (a) the corrupted sentences and
(b) the clean sentences themselves.  It reports, per errant type of the injected errors:
how many the output restores (an errant edit corrupted -> output that equals an edit
corrupted -> clean, as in the ERRANT scorer), with and without the model; of the sentences
where a model edit was applied, how many moved closer to the clean sentence (sentence TER
against it, with vs without the model); and how many clean sentences the model changed.

``--model-only`` skips the pipeline and scores the model's raw greedy output (no guard):
the quick comparison used to choose training settings.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mlqe-pe"


def corrupt_set(name: str, limit: int, seed: int):
    """(clean, corrupted) pairs of the set's post-edits where an error was injected, and all
    clean sentences (capped at ``limit`` each)."""
    from mtqa.suggest.synth import corrupt_many

    clean = [s.strip() for s in (DATA / name / "pe.detok.en").read_text(encoding="utf-8").split("\n") if s.strip()]
    return corrupt_many(clean, seed, limit), clean[:limit] if limit else clean


def edits(ann, a: str, b: str) -> set:
    if a == b:
        return set()
    return {(e.o_start, e.o_end, e.c_str, e.type) for e in ann.annotate(ann.parse(a, tokenise=True),
                                                                       ann.parse(b, tokenise=True))}


def fix_lines(lines: list[str], use_model: bool, spec, lt_url, chunk: int = 100, accepted: bool = False):
    """`mtqa fix --lines` on ``lines``: (outputs, count of applied model edits per line, wall
    seconds).  ``accepted``: also apply every guard-accepted model edit that `fix` leaves
    as a suggestion (what `fix` would write if the model's apply thresholds were met)."""
    from mtqa.run.checker import Backends, Checker, Settings
    from mtqa.suggest.backend import OutputCache
    from mtqa.types import Origin

    outs, model_applied = [], []
    with tempfile.TemporaryDirectory() as tmp, \
            Checker(Backends(lt_url=lt_url, model=use_model, model_spec=spec, qe=False)) as ck:  # as `mtqa fix`
        if ck.suggester is not None:
            ck.suggester.backend.use_cache(OutputCache(Path(tmp) / "o.sqlite"))  # a fresh cache: real time
        t0 = time.time()
        for i in range(0, len(lines), chunk):
            part = lines[i:i + chunk]
            text = "\n".join(part) + "\n"
            rep = ck.check(text, f"lines[{i}:]", Settings(lines=True))
            starts = [0]
            for ln in part:
                starts.append(starts[-1] + len(ln) + 1)
            per = [0] * len(part)
            keep = [e for e in rep.edits if e.applied]
            if accepted:  # the suggestions the guard accepted, where no applied edit overlaps them
                from mtqa.edits.resolve import spans_overlap

                extra = [e for e in rep.edits if e.origin == Origin.MODEL and not e.applied and e.reason == "unsafe"]
                for e in extra:
                    if not any(spans_overlap(e.start, e.end, k.start, k.end) for k in keep):
                        keep.append(e)
            for e in keep:
                if e.origin == Origin.MODEL:
                    per[max(j for j in range(len(part)) if starts[j] <= e.start)] += 1
            from mtqa.edits.resolve import apply_edits

            fixed = apply_edits(text, keep).split("\n")[:len(part)]
            assert len(fixed) == len(part)
            outs += fixed
            model_applied += per
        wall = time.time() - t0
    return outs, model_applied, wall


def model_only(sentences: list[str], spec) -> list[str]:
    from mtqa.suggest.backend import OutputCache, load_backend

    b = load_backend(spec)
    with tempfile.TemporaryDirectory() as tmp:
        b.use_cache(OutputCache(Path(tmp) / "o.sqlite"))
        return b.correct(sentences)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="ru-en/dev")
    ap.add_argument("--limit", type=int, default=0, help="corrupted and clean sentences per set (0: all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--spec", default=None, help="model spec (default: mtqa's default post-editor)")
    ap.add_argument("--model-only", action="store_true", help="raw model output, no pipeline, no guard")
    ap.add_argument("--accepted", action="store_true",
                    help="apply the guard-accepted model suggestions too (as `fix` would if the model were calibrated)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lt-url", default=os.environ.get("MTQA_LT_URL"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import torch
    from sacrebleu.metrics import TER

    from mtqa.suggest.synth import load_annotator

    torch.set_num_threads(args.threads)
    ann = load_annotator()
    ter = TER()
    pairs, clean = [], []
    for name in args.sets.split(","):
        p, c = corrupt_set(name, args.limit, args.seed)
        pairs += p
        clean += c
    bad = [b for _, b, _ in pairs]
    timing = {}
    if args.model_only:
        out_m = model_only(bad, args.spec)
        out_c = model_only(clean, args.spec)
        out_n, applied = list(bad), [int(o != b) for o, b in zip(out_m, bad)]
        clean_changed = sum(o != s for o, s in zip(out_c, clean))
        clean_rule = 0
    else:
        out_m, applied, timing["corrupted, default"] = fix_lines(bad, True, args.spec, args.lt_url, accepted=args.accepted)
        out_n, _, timing["corrupted, --no-model"] = fix_lines(bad, False, None, args.lt_url)
        out_c, applied_c, timing["clean, default"] = fix_lines(clean, True, args.spec, args.lt_url, accepted=args.accepted)
        out_cn, _, timing["clean, --no-model"] = fix_lines(clean, False, None, args.lt_url)
        clean_changed = sum(1 for k in applied_c if k)
        clean_rule = sum(o != s for o, s in zip(out_cn, clean))

    by_type: dict[str, Counter] = defaultdict(Counter)
    closer = further = same = 0
    exact_m = exact_n = 0
    for (good, b, _), om, on, k in zip(pairs, out_m, out_n, applied):
        gold = edits(ann, b, good)
        hm, hn = edits(ann, b, om), edits(ann, b, on)
        gk = {(s, e, c) for s, e, c, _ in hm}
        gn = {(s, e, c) for s, e, c, _ in hn}
        for s, e, c, t in gold:
            by_type[t]["injected"] += 1
            by_type[t]["model"] += (s, e, c) in gk
            by_type[t]["nomodel"] += (s, e, c) in gn
        exact_m += om == good
        exact_n += on == good
        if k:
            a, z = ter.sentence_score(om, [good]).score, ter.sentence_score(on, [good]).score
            closer, further, same = closer + (a < z), further + (a > z), same + (a == z)
    tot = Counter()
    for c in by_type.values():
        tot.update(c)
    n_inj = tot["injected"] or 1
    gain = (tot["model"] - tot["nomodel"]) / n_inj
    changed = closer + further + same
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    mode = " (model only, no guard)" if args.model_only else " (guard-accepted model suggestions applied too)" if args.accepted else ""
    md = [f"# Synthetic post-editing benchmark: {args.sets}{mode}",
          "", f"Command: `{cmd}`  ",
          f"Data: MLQE-PE `{args.sets}` `pe.detok.en` (CC0), errors injected by `mtqa.suggest.synth` "
          f"(seed {args.seed}); {len(pairs)} corrupted sentences with {tot['injected']} injected errors "
          f"(errant edits corrupted -> clean); {len(clean)} clean sentences.", "",
          "| errant type | injected | restored with the model | restored with `--no-model` | gain |",
          "|---|---|---|---|---|"]
    for t, c in sorted(by_type.items(), key=lambda kv: -kv[1]["injected"]):
        md.append(f"| {t} | {c['injected']} | {c['model']} ({c['model'] / c['injected']:.0%}) | "
                  f"{c['nomodel']} ({c['nomodel'] / c['injected']:.0%}) | {(c['model'] - c['nomodel']) / c['injected']:+.0%} |")
    md.append(f"| **all** | {tot['injected']} | {tot['model']} ({tot['model'] / n_inj:.1%}) | "
              f"{tot['nomodel']} ({tot['nomodel'] / n_inj:.1%}) | **{gain:+.1%}** |")
    md += ["", f"Sentences restored exactly: with the model {exact_m}/{len(pairs)}, without {exact_n}/{len(pairs)}.  ",
           f"Sentences where a model edit was applied: {changed}; closer to the clean sentence {closer}, "
           f"further {further}, same {same}: **{closer / changed:.1%} closer**.  " if changed else
           "Sentences where a model edit was applied: 0.  ",
           f"Clean sentences changed by the model: **{clean_changed}/{len(clean)} ({clean_changed / max(1, len(clean)):.1%})**"
           + (f"; changed by rules and LanguageTool (`--no-model`): {clean_rule}/{len(clean)}." if not args.model_only else ".")]
    if timing:
        md += ["", "Wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timing.items())]
    text = "\n".join(md) + "\n"
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
