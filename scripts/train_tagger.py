#!/usr/bin/env python3
"""Train the edit tagger (``mtqa/suggest/tagger.py``) on the post-editor's training pairs.

    python scripts/make_ape_data.py make --out out/ape-train.jsonl --synthetic 22000 --clean 7000 --real 7000
    python scripts/make_ape_data.py make --out out/ape-train-2.jsonl --synthetic 30000 --clean 0 --real 0 --seed 14
    python scripts/make_ape_data.py make --out out/ape-train-3.jsonl --synthetic 0 --clean 30000 --real 0 --seed 15
    python scripts/train_tagger.py features --pairs out/ape-train.jsonl --limit 28000 --out out/tagger-feats
    python scripts/train_tagger.py features --pairs out/ape-train-2.jsonl --limit 10000 --out out/tagger-feats-2
    python scripts/train_tagger.py features --pairs out/ape-train-3.jsonl --limit 30000 --out out/tagger-feats-3
    python scripts/train_tagger.py train --feats out/tagger-feats,out/tagger-feats-3,out/tagger-feats-2 \
        --out models/edit-tagger --epochs 4

The first file is the seq2seq adapter's pairs; the second corrupts the clean sentences
again with another seed (only its first 10,000 are used: more synthetic pairs made the
tagger edit clean text more often); the third is 30,000 clean sentences left as they are,
which taught it most (``models/edit-tagger/MODEL_CARD.md`` has the variants measured).

``features`` runs the quality estimate's own LM pass (int8 SmolLM2, as `mtqa check` runs
it) over each pair's input and keeps every word's states, in shards of 2,000 pairs: a
stopped run resumes at the first missing shard.  ``train`` fits the head (a projection,
a bidirectional GRU, a softmax over the tags seen at least ``--min-count`` times; rarer
edits are left out of the loss) with a fixed seed, and writes ``tagger.json`` and
``head.safetensors``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.suggest.tagger import KEEP, STATE_LAYERS, head_module, edit_tags, word_features, words  # noqa: E402

SHARD = 2000


def features(args) -> int:
    from mtqa.qe import QualityEstimator
    from mtqa.qe.lmscore import lm_pass

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pairs = []
    with open(args.pairs, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n < args.skip:
                continue
            if len(pairs) >= args.limit:
                break
            pairs.append(json.loads(line))
    qe = QualityEstimator.load(with_source=False)
    lm = qe.lm
    t0 = time.time()
    for s0 in range(0, len(pairs), SHARD):
        path = out / f"shard{s0 // SHARD:03d}.npz"
        if path.exists():
            continue
        chunk = pairs[s0:s0 + SHARD]
        srcs, labels, kinds = [], [], []
        for p in chunk:
            tags = edit_tags([t.text for t in words(p["src"])], [t.text for t in words(p["tgt"])])
            if tags is None or not tags:
                continue
            srcs.append(p["src"])
            labels.append(tags)
            kinds.append(p.get("kind", ""))
        scores, _ = lm_pass(lm, srcs, state_layers=STATE_LAYERS)
        feats = [word_features(s, ts) for s, ts in zip(srcs, scores)]
        lens = np.array([len(f) for f in feats], dtype=np.int32)
        np.savez(path, x=np.concatenate(feats), lens=lens,
                 tags=np.array([t for tags in labels for t in tags], dtype=object),
                 kinds=np.array(kinds, dtype=object), src=np.array(srcs, dtype=object))
        print(f"{s0 + len(chunk)}/{len(pairs)} pairs, {time.time() - t0:.0f} s", flush=True)
    return 0


IGNORE = "?"  # a word inside a post-editor's meaning edit: left out of the loss


def real_labels(annotator, mt: str, pe: str) -> Optional[list[str]]:
    """Tags for a real MT line from its human post-edit: the fluency-type edits
    (``mtqa.suggest.synth``) as tags, every word within one word of a meaning edit (or of
    a fluency edit that touches one) ignored, the rest kept."""
    from mtqa.suggest.synth import apply_errant_edits, edit_span, is_fluency_edit

    toks = words(mt)
    if mt == pe:
        return [KEEP] * len(toks)
    o = annotator.parse(mt, tokenise=True)
    c = annotator.parse(pe, tokenise=True)
    edits = annotator.annotate(o, c)

    keep = [e for e in edits if is_fluency_edit(e)]
    other = [e for e in edits if not is_fluency_edit(e)]
    near = [e for e in keep if any(x.o_start - 2 <= e.o_end and e.o_start <= x.o_end + 2 for x in other)]
    keep = [e for e in keep if e not in near]
    fixed = apply_errant_edits(o, mt, keep)
    tags = edit_tags([t.text for t in toks], [t.text for t in words(fixed)])
    if tags is None:
        return None
    for e in other + near:
        a, b = edit_span(o, mt, e)
        hit = [i for i, t in enumerate(toks) if t.start < max(b, a + 1) and t.end > a - 1]
        if not hit:
            continue
        for i in range(max(0, hit[0] - 1), min(len(toks), hit[-1] + 2)):
            tags[i] = IGNORE
    return tags


def real_features(args) -> int:
    """Features of real MT lines labelled by ``real_labels`` (kind ``real-partial``)."""
    from mtqa.qe import QualityEstimator
    from mtqa.qe.lmscore import lm_pass
    from mtqa.suggest.synth import load_annotator

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ann = load_annotator()
    lm = QualityEstimator.load(with_source=False).lm
    data = Path(args.data)
    t0 = time.time()
    for name in args.sets.split(","):
        path = out / f"shard-real-{name.replace('/', '-')}.npz"
        if path.exists():
            continue
        d = data / name
        mt = (d / "mt.en").read_text(encoding="utf-8").split("\n")
        pe = (d / "pe.detok.en").read_text(encoding="utf-8").split("\n")
        srcs, labels = [], []
        for m, p in zip(mt, pe):
            m, p = m.strip(), p.strip()
            if not m or not p or not 4 <= len(m.split()) <= 45:
                continue
            tags = real_labels(ann, m, p)
            if tags is None or all(t == IGNORE for t in tags):
                continue
            srcs.append(m)
            labels.append(tags)
        scores, _ = lm_pass(lm, srcs, state_layers=STATE_LAYERS)
        feats = [word_features(s, ts) for s, ts in zip(srcs, scores)]
        np.savez(path, x=np.concatenate(feats), lens=np.array([len(f) for f in feats], dtype=np.int32),
                 tags=np.array([t for tags in labels for t in tags], dtype=object),
                 kinds=np.array(["real-partial"] * len(srcs), dtype=object), src=np.array(srcs, dtype=object))
        n_edit = sum(t not in (KEEP, IGNORE) for tags in labels for t in tags)
        print(f"{name}: {len(srcs)} lines, {n_edit} fluency edits, {time.time() - t0:.0f} s", flush=True)
    return 0


def _shards(folders: Sequence[Path], real_partial: bool) -> list[Path]:
    out = []
    for folder in folders:
        got = [p for p in sorted(folder.glob("shard*.npz")) if real_partial or not p.name.startswith("shard-real")]
        if not got:
            raise SystemExit(f"{folder}: no feature shards (run `train_tagger.py features --out {folder}` first)")
        out += got
    return out


def load_feats(folders: Sequence[Path], real_partial: bool = False):
    """Every shard's words, features and tags, folder by folder; the real-MT shards
    (``real``) only with ``real_partial``."""
    xs, lens, tags, kinds, srcs = [], [], [], [], []
    for p in _shards(folders, real_partial):
        z = np.load(p, allow_pickle=True)
        xs.append(z["x"]); lens.append(z["lens"]); tags.extend(z["tags"].tolist())
        kinds.extend(z["kinds"].tolist()); srcs.extend(z["src"].tolist())
    return np.concatenate(xs), np.concatenate(lens), tags, kinds, srcs


def train(args) -> int:
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(args.threads)
    folders = [Path(f) for f in args.feats.split(",")]
    x, lens, tags, kinds, srcs = load_feats(folders, args.real_partial)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    n = len(lens)
    # the held-out share is the end of the first folder's synthetic shards (the same lines
    # whatever other folders are added), never real-partial lines
    n_first = sum(len(np.load(p)["lens"]) for p in _shards(folders[:1], args.real_partial))
    n_val = int(n_first * args.val)
    val = np.arange(n_first - n_val, n_first)
    rest = [i for i in range(n) if not (n_first - n_val <= i < n_first)]
    order = np.array([i for i in rest if kinds[i] != "real-partial"] + [i for i in rest if kinds[i] == "real-partial"] + list(val))
    train_ids, val_ids = order[: n - n_val], order[n - n_val:]
    counts = Counter(tags[i] for s in train_ids for i in range(starts[s], starts[s] + lens[s]))
    vocab = [KEEP] + sorted((t for t, c in counts.items() if t not in (KEEP, IGNORE) and c >= args.min_count),
                            key=lambda t: -counts[t])
    index = {t: i for i, t in enumerate(vocab)}
    y = np.array([index.get(t, -100) for t in tags], dtype=np.int64)
    print(f"{n} sentences ({n_val} held out), {len(x)} words, {len(vocab)} tags; "
          f"edits left out of the loss: {sum(1 for t in tags if t not in index)}", flush=True)
    head = head_module(x.shape[1], len(vocab), args.hidden)
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train_ids) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.05)

    # real MT lines (fluency-only post-edits, or left as they were) weigh more than the
    # synthetic pairs: they are what the tagger meets in a check
    sw = np.array([args.real_weight if k.startswith("real") else 1.0 for k in kinds], dtype=np.float32)

    def batch(ids):
        L = int(max(lens[ids].max(), 1))
        xb = torch.zeros((len(ids), L, x.shape[1]))
        yb = torch.full((len(ids), L), -100, dtype=torch.long)
        for r, s in enumerate(ids):
            a, m = starts[s], lens[s]
            xb[r, :m] = torch.from_numpy(x[a:a + m].astype(np.float32))
            yb[r, :m] = torch.from_numpy(y[a:a + m])
        return xb, yb, torch.tensor(np.maximum(lens[ids], 1)), torch.from_numpy(sw[ids])

    t0 = time.time()
    step = 0
    for ep in range(args.epochs):
        head.train()
        perm = rng.permutation(train_ids)
        tot = 0.0
        for b0 in range(0, len(perm), args.batch):
            xb, yb, lb, wb = batch(perm[b0:b0 + args.batch])
            logits = head(xb, lb)
            per = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), yb.reshape(-1), ignore_index=-100,
                                                    reduction="none").reshape(yb.shape)
            w = wb[:, None] * (yb != -100)
            loss = (per * w).sum() / w.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            tot += float(loss.detach())
        head.eval()
        vl, vn = 0.0, 0
        with torch.inference_mode():
            for b0 in range(0, len(val_ids), 256):
                xb, yb, lb, _ = batch(val_ids[b0:b0 + 256])
                logits = head(xb, lb)
                vl += float(torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), yb.reshape(-1),
                                                              ignore_index=-100, reduction="sum"))
                vn += int((yb != -100).sum())
        print(f"epoch {ep + 1}: train loss {tot / max(1, (len(perm) + args.batch - 1) // args.batch):.4f}, "
              f"held-out loss {vl / max(vn, 1):.4f}, {time.time() - t0:.0f} s", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(out / "head.safetensors"))
    meta_path = out / "tagger.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    from mtqa.qe import QualityEstimator

    meta.update({"format": 1, "qe_model": QualityEstimator.load(with_source=False).spec["name"], "tags": vocab, "n_in": int(x.shape[1]), "hidden": args.hidden,
                 "state_layers": list(STATE_LAYERS),
                 "training": {"sentences": int(n - n_val), "held_out": int(n_val), "words": int(len(x)),
                              "epochs": args.epochs, "seed": args.seed, "lr": args.lr, "batch": args.batch,
                              "min_count": args.min_count, "real_weight": args.real_weight, "seconds": round(time.time() - t0, 1),
                              "kinds": dict(Counter(kinds)), "command": " ".join(sys.argv)}})
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}", flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features")
    f.add_argument("--pairs", required=True)
    f.add_argument("--limit", type=int, default=28000)
    f.add_argument("--skip", type=int, default=0)
    f.add_argument("--out", required=True)
    t = sub.add_parser("train")
    t.add_argument("--feats", required=True, help="feature folders, comma-separated; the held-out lines are the first one's end")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=4)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--hidden", type=int, default=256)
    t.add_argument("--min-count", type=int, default=8)
    t.add_argument("--val", type=float, default=0.05)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--real-partial", action="store_true", help="also train on the real-MT shards")
    t.add_argument("--real-weight", type=float, default=1.0, help="loss weight of real MT lines")
    r = sub.add_parser("real")
    r.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mlqe-pe"))
    r.add_argument("--sets", default="ro-en/train,et-en/train")
    r.add_argument("--out", required=True)
    a = ap.parse_args()
    return {"features": features, "train": train, "real": real_features}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
