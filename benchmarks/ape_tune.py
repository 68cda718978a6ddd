#!/usr/bin/env python3
"""Choose the suggestion guard's thresholds for a post-editing model on held-out data.

    .venv/bin/python benchmarks/ape_tune.py --spec models/smollm2-ape-lora \
        --sets ro-en/dev:400,et-en/dev:400 [--write]

Runs the model on every sentence of the tuning sets (MLQE-PE into-English, CC0; by
default ro-en and et-en dev: never seen in training, and not the ru-en dev set that
`benchmarks/ape_mlqe.py` reports on), keeps each edit that passes the guard's structural
and meaning checks, and records its confidence margin (the model's own log P(edited) -
log P(unchanged)), its fluency gain (base LM) and whether it brings the sentence closer to
the human post-edit (sentence TER drops when the edit alone is applied).  Prints precision
and counts over a grid of thresholds and picks the (min_margin, min_gain) pair with the
most net good edits (closer minus further) among those with precision >= --target.
``--write`` stores the choice in the adapter's ``adapter.json`` under ``"guard"``, where
`mtqa` reads it.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARGINS = (-2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
GAINS = (-math.inf, 0.0, 0.02, 0.05)


def collect(spec: str | None, sets: list[tuple[str, int]], data: Path, threads: int,
            synthetic: list[tuple[str, int]] = (), seed: int = 11) -> tuple[list[dict], str]:
    """Candidate edits with their guard figures and their effect on the sentence's TER
    against the reference: the human post-edit for real MT (``sets``), the clean sentence
    for post-edits with injected errors and for the clean post-edits themselves
    (``synthetic``)."""
    import torch
    from sacrebleu.metrics import TER

    from mtqa.suggest import ModelSuggester
    from mtqa.suggest.align import apply
    from mtqa.suggest.synth import corrupt_many

    torch.set_num_threads(threads)
    ms = ModelSuggester(spec)
    ms.guard.min_margin, ms.guard.min_gain = -math.inf, -math.inf
    ter = TER()
    rows = []
    jobs = []
    for name, limit in sets:
        d = data / name
        mt = (d / "mt.en").read_text(encoding="utf-8").split("\n")[:limit]
        pe = (d / "pe.detok.en").read_text(encoding="utf-8").split("\n")[:limit]
        jobs.append((name, "real", mt, pe))
    for name, limit in synthetic:
        clean = [x.strip() for x in (data / name / "pe.detok.en").read_text(encoding="utf-8").split("\n") if x.strip()]
        bad = corrupt_many(clean, seed, limit)
        jobs.append((name, "synthetic", [b for _, b, _ in bad], [c for c, _, _ in bad]))
        jobs.append((name, "clean", clean[:limit], clean[:limit]))
    for name, kind, mt, pe in jobs:
        t0 = time.time()
        for i in range(0, len(mt), 40):
            for k, (r, ref) in enumerate(zip(ms.review(mt[i:i + 40]), pe[i:i + 40])):
                base = ter.sentence_score(r.sentence, [ref]).score
                for v in r.verdicts:
                    if v.reason not in (None, "confidence", "fluency"):
                        continue
                    edited = apply(r.sentence, [v.edit])
                    alone = ter.sentence_score(edited, [ref]).score
                    rows.append({"set": name, "kind": kind, "line": i + k, "type": v.edit.type,
                                 "margin": v.margin, "gain": v.gain, "delta": alone - base,
                                 "sentence": r.sentence, "edited": edited})
            print(f"{name} {kind}: {min(i + 40, len(mt))}/{len(mt)} sentences, {time.time() - t0:.0f} s, "
                  f"{len(rows)} candidate edits", file=sys.stderr, flush=True)
    return rows, ms.model_id


LANGS = {"ru": "Russian", "ro": "Romanian", "et": "Estonian", "ne": "Nepali", "si": "Sinhala"}
SRC_MARGINS = (-math.inf, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0)


def add_source_margins(rows: list[dict], data: Path, threads: int) -> None:
    """Each row's source margin: log P(edited | source) - log P(sentence | source) under
    the multilingual source LM (Gemma 3 270M), the check ``--source`` adds to the guard."""
    import torch

    from mtqa.models.lm import load_causal_lm
    from mtqa.qe.source_lm import DEFAULT_SOURCE_LM, source_logprobs

    torch.set_num_threads(threads)
    lm = load_causal_lm(DEFAULT_SOURCE_LM)
    for name in dict.fromkeys(r["set"] for r in rows):
        lang = name.split("-")[0]
        src = (data / name / f"src.{lang}").read_text(encoding="utf-8").split("\n")
        mine = [r for r in rows if r["set"] == name]
        srcs = [src[r["line"]] for r in mine]
        old = source_logprobs(lm, srcs, [r["sentence"] for r in mine], lang=LANGS[lang])
        new = source_logprobs(lm, srcs, [r["edited"] for r in mine], lang=LANGS[lang])
        for r, a, b in zip(mine, old, new):
            r["src_margin"] = float(b.sum() - a.sum())


def _grid(rows: list[dict], key2: str, values2, target: float, min_accepted: int,
          margins=MARGINS, syn_target: float = 0.85) -> tuple[list[str], dict | None]:
    """Precision over a grid of (min_margin, second threshold on ``key2``), per kind of
    tuning data: real MT against its post-edit, injected errors against the clean
    sentence, and the edits made on clean sentences (all of them wrong).  The choice is
    the cell with the most closer-minus-further edits (real and synthetic together) among
    those where real precision reaches ``target`` and synthetic precision ``syn_target``,
    each on at least ``min_accepted`` edits (kinds without rows are not required)."""
    kinds = [k for k in ("real", "synthetic") if any(r.get("kind", "real") == k for r in rows)]
    has_clean = any(r.get("kind") == "clean" for r in rows)
    head = f"| min_margin | min_{key2} | " + " | ".join(f"{k}: accepted | {k}: closer | {k}: further | {k}: precision"
                                                          for k in kinds)
    head += " | edits on clean sentences |" if has_clean else " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    best = None
    for v2 in values2:
        for m in margins:
            acc = [r for r in rows if r["margin"] >= m and (r[key2] > v2 if key2 == "gain" else r[key2] >= v2)]
            cells, ok, net, precs = [], True, 0, {}
            for k in kinds:
                a = [r for r in acc if r.get("kind", "real") == k]
                good = sum(r["delta"] < 0 for r in a)
                bad = sum(r["delta"] > 0 for r in a)
                prec = good / len(a) if a else float("nan")
                precs[k] = (prec, len(a))
                cells.append(f"{len(a)} | {good} | {bad} | " + (f"{prec:.1%}" if a else "n/a"))
                # a precision measured on a handful of edits is noise, not a calibration
                ok = ok and len(a) >= min_accepted and prec >= (target if k == "real" else syn_target)
                net += good - bad
            n_clean = sum(r.get("kind") == "clean" for r in acc)
            lines.append(f"| {m} | {v2} | " + " | ".join(cells) + (f" | {n_clean} |" if has_clean else " |"))
            if ok and (best is None or net > best["net"]):
                best = {"min_margin": m, f"min_{key2}": v2, "net": net, "clean_edits": n_clean,
                        **{f"{k}_precision": round(p, 3) for k, (p, _) in precs.items()},
                        **{f"{k}_accepted": n for k, (_, n) in precs.items()}}
    return lines, best


def source_table(rows: list[dict], target: float, min_accepted: int = 10) -> tuple[list[str], dict | None]:
    return _grid(rows, "src_margin", SRC_MARGINS, target, min_accepted, margins=(-math.inf, *MARGINS))


def table(rows: list[dict], target: float, min_accepted: int = 10, syn_target: float = 0.85) -> tuple[list[str], dict | None]:
    return _grid(rows, "gain", GAINS, target, min_accepted, syn_target=syn_target)


def per_type(rows: list[dict], target: float, min_accepted: int, floor: float) -> tuple[list[str], dict]:
    """Candidate apply margins per errant type, from real MT against its post-edit
    (a measurement; mtqa applies no edit by type): for each type,
    the lowest margin (at least ``floor``, the suggestion threshold every shown edit
    passes) whose edits reach ``target`` precision on at least ``min_accepted`` of them.
    Types that reach it at no margin are not applied (only suggested)."""
    real = [r for r in rows if r.get("kind", "real") == "real"]
    types = sorted({r["type"] for r in real}, key=lambda t: -sum(r["type"] == t for r in real))
    lines = ["| errant type | " + " | ".join(f"margin >= {m}" for m in MARGINS if m >= floor) + " |",
             "|---|" + "---|" * sum(m >= floor for m in MARGINS)]
    choice = {}
    for t in types:
        cells = []
        for m in (m for m in MARGINS if m >= floor):
            a = [r for r in real if r["type"] == t and r["margin"] >= m]
            good, bad = sum(r["delta"] < 0 for r in a), sum(r["delta"] > 0 for r in a)
            cells.append(f"{good}/{len(a)}" + (f" ({good / len(a):.0%})" if a else ""))
            if t not in choice and len(a) >= min_accepted and good / len(a) >= target:
                choice[t] = m
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return lines, choice


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=None, help="model spec (default: mtqa's default post-editor)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/mlqe-pe"))
    ap.add_argument("--sets", default="ro-en/dev:400,et-en/dev:400", help="real MT vs its post-edit")
    ap.add_argument("--synthetic", default="", help="post-edits with injected errors, and clean, e.g. ro-en/dev:200")
    ap.add_argument("--target", type=float, default=0.7, help="precision on real MT the choice must reach")
    ap.add_argument("--syn-target", type=float, default=0.85, help="precision on injected errors the choice must reach")
    ap.add_argument("--min-accepted", type=int, default=10,
                    help="accepted edits a choice needs before its precision counts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", help="reuse candidate rows saved by an earlier run (JSON)")
    ap.add_argument("--save-rows", help="save the candidate rows here (JSON)")
    ap.add_argument("--write", action="store_true", help="store the choice in the adapter's adapter.json")
    ap.add_argument("--out", help="write the markdown results here")
    ap.add_argument("--source-lm", action="store_true",
                    help="also score each candidate against its source (Gemma 3 270M) and tune that margin")
    ap.add_argument("--per-type", type=float, default=None, metavar="FLOOR",
                    help="also tabulate real-MT precision per errant type from margin FLOOR up, and "
                         "the lowest margin per type reaching --target (a measurement: nothing reads it)")
    args = ap.parse_args()

    def parse(spec):
        return [(x.split(":")[0], int(x.split(":")[1]) if ":" in x else 1000) for x in spec.split(",") if x]

    sets, synthetic = parse(args.sets), parse(args.synthetic)
    if args.rows:
        saved = json.loads(Path(args.rows).read_text(encoding="utf-8"))
        rows, model_id = saved["rows"], saved["model_id"]
    else:
        rows, model_id = collect(args.spec, sets, Path(args.data), args.threads, synthetic)
    if args.source_lm and any("src_margin" not in r for r in rows):
        add_source_margins(rows, Path(args.data), args.threads)
    if args.save_rows:
        Path(args.save_rows).write_text(json.dumps({"model_id": model_id, "rows": rows}), encoding="utf-8")
    lines, best = table(rows, args.target, args.min_accepted, args.syn_target)
    type_choice = None
    if args.per_type is not None:
        type_lines, type_choice = per_type(rows, args.target, args.min_accepted, args.per_type)
        lines += ["", f"Per errant type, real MT: edits closer to the post-edit / accepted (margin >= "
                  f"{args.per_type}, no fluency threshold).", "", *type_lines, "",
                  "Apply margins per type (precision >= target on >= min-accepted edits): "
                  + (json.dumps(type_choice) if type_choice else "none")]
    if args.source_lm:
        src_lines, src_best = source_table(rows, args.target, args.min_accepted)
        lines += ["", "With the source check (`--source`): the edit must also raise the source LM's",
                  "log P(sentence | source) by at least min_src_margin.", "", *src_lines, "",
                  "Choice with the source check: " + (json.dumps(src_best) if src_best else "none reaches the target")]
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    text = "\n".join([
        "# Guard thresholds for the post-editing model, tuned on held-out data", "",
        f"Command: `{cmd}`  ", f"Model: `{model_id}`; tuning sets: real MT {args.sets}; injected errors "
        f"and clean sentences {args.synthetic or 'none'} (MLQE-PE, CC0).  ",
        f"Candidate edits (passed the structural and meaning checks): {len(rows)}.", "",
        *lines, "",
        f"Choice (most closer-minus-further edits with precision >= {args.target:.0%} on real MT and "
        f">= {args.syn_target:.0%} on injected errors, "
        f"at least {args.min_accepted} accepted): "
        + (json.dumps(best) if best else "none reaches the target"), ""])
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.write:
        if best is None:
            print("no threshold reaches the target; adapter.json left unchanged", file=sys.stderr)
            return 1
        spec = Path(args.spec) if args.spec else ROOT / "models" / "smollm2-ape-lora"
        meta_path = spec / "adapter.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["guard"] = {"min_margin": best["min_margin"],
                         "min_gain": None if best["min_gain"] == -math.inf else best["min_gain"],
                         "tuned_on": f"MLQE-PE real {args.sets}; synthetic {args.synthetic}",
                         "tuning": {k: v for k, v in best.items() if k not in ("min_margin", "min_gain")},
                         "command": cmd}
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        print(f"wrote guard thresholds to {meta_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
