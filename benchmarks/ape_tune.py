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


def collect(spec: str | None, sets: list[tuple[str, int]], data: Path, threads: int) -> tuple[list[dict], str]:
    import torch
    from sacrebleu.metrics import TER

    from mtqa.suggest import ModelSuggester
    from mtqa.suggest.align import apply

    torch.set_num_threads(threads)
    ms = ModelSuggester(spec)
    ms.guard.min_margin, ms.guard.min_gain = -math.inf, -math.inf
    ter = TER()
    rows = []
    for name, limit in sets:
        d = data / name
        mt = (d / "mt.en").read_text(encoding="utf-8").split("\n")[:limit]
        pe = (d / "pe.detok.en").read_text(encoding="utf-8").split("\n")[:limit]
        t0 = time.time()
        for i in range(0, len(mt), 40):
            for r, ref in zip(ms.review(mt[i:i + 40]), pe[i:i + 40]):
                base = ter.sentence_score(r.sentence, [ref]).score
                for v in r.verdicts:
                    if v.reason not in (None, "confidence", "fluency"):
                        continue
                    alone = ter.sentence_score(apply(r.sentence, [v.edit]), [ref]).score
                    rows.append({"set": name, "type": v.edit.type, "margin": v.margin, "gain": v.gain,
                                 "delta": alone - base})
            print(f"{name}: {min(i + 40, len(mt))}/{len(mt)} sentences, {time.time() - t0:.0f} s, "
                  f"{len(rows)} candidate edits", file=sys.stderr, flush=True)
    return rows, ms.model_id


def table(rows: list[dict], target: float) -> tuple[list[str], dict | None]:
    lines = ["| min_margin | min_gain | accepted | closer | same | further | precision |",
             "|---|---|---|---|---|---|---|"]
    best = None
    for g in GAINS:
        for m in MARGINS:
            acc = [r for r in rows if r["margin"] >= m and r["gain"] > g]
            good = sum(r["delta"] < 0 for r in acc)
            bad = sum(r["delta"] > 0 for r in acc)
            prec = good / len(acc) if acc else float("nan")
            lines.append(f"| {m} | {g} | {len(acc)} | {good} | {len(acc) - good - bad} | {bad} | "
                         + (f"{prec:.1%}" if acc else "n/a") + " |")
            if acc and prec >= target and (best is None or good - bad > best["net"]):
                best = {"min_margin": m, "min_gain": g, "net": good - bad, "precision": prec,
                        "accepted": len(acc)}
    return lines, best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=None, help="model spec (default: mtqa's default post-editor)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/mlqe-pe"))
    ap.add_argument("--sets", default="ro-en/dev:400,et-en/dev:400")
    ap.add_argument("--target", type=float, default=0.7, help="precision the choice must reach")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", help="reuse candidate rows saved by an earlier run (JSON)")
    ap.add_argument("--save-rows", help="save the candidate rows here (JSON)")
    ap.add_argument("--write", action="store_true", help="store the choice in the adapter's adapter.json")
    ap.add_argument("--out", help="write the markdown results here")
    args = ap.parse_args()

    sets = [(s.split(":")[0], int(s.split(":")[1]) if ":" in s else 1000) for s in args.sets.split(",")]
    if args.rows:
        saved = json.loads(Path(args.rows).read_text(encoding="utf-8"))
        rows, model_id = saved["rows"], saved["model_id"]
    else:
        rows, model_id = collect(args.spec, sets, Path(args.data), args.threads)
    if args.save_rows:
        Path(args.save_rows).write_text(json.dumps({"model_id": model_id, "rows": rows}), encoding="utf-8")
    lines, best = table(rows, args.target)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    text = "\n".join([
        "# Guard thresholds for the post-editing model, tuned on held-out data", "",
        f"Command: `{cmd}`  ", f"Model: `{model_id}`; tuning sets: {args.sets} (MLQE-PE, CC0).  ",
        f"Candidate edits (passed the structural and meaning checks): {len(rows)}.", "",
        *lines, "",
        f"Choice (most closer-minus-further edits with precision >= {args.target:.0%}): "
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
                         "tuned_on": f"MLQE-PE {args.sets}", "tuning_precision": round(best["precision"], 3),
                         "command": cmd}
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        print(f"wrote guard thresholds to {meta_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
