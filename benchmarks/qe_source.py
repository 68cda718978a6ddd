"""Source-aware QE: does Gemma 3 270M's forced-decoding probability of the English given
its Russian source add to mtqa's English-only score?  Fits the combination on a sample
of MLQE-PE ru-en train and measures it on ru-en dev, DEMETR and WMT22 news.

    python benchmarks/qe_source.py extract [--train 1200 --demetr 0 --wmt22 2000]
    python benchmarks/qe_source.py fit [--write]   # fits, evaluates, writes models/qe/source.json

``extract`` computes, for each sampled (source, MT) pair, the English-only QE prediction
(SmolLM2, as shipped) and Gemma's token log-probs of the English after the translation
prompt, with the source and with the source left blank; it keeps them under
.cache/qe/source/ (resumable, one file per set).  Everything runs on the CPU here
(Gemma: several pairs/s on 2 cores), hence the samples; the sample seeds are fixed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.qe.data import CACHE, DATA, demetr, mlqe, read_lines, read_tsv  # noqa: E402
from mtqa.qe.source_lm import DEFAULT_SOURCE_LM, NAMES, source_features, source_logprobs  # noqa: E402

OUT = CACHE / "source"
SEED = 20261129


def _sample(n_total: int, n: int, seed: int) -> np.ndarray:
    if n <= 0 or n >= n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).choice(n_total, n, replace=False))


def pairs_for(name: str, n: int) -> dict:
    """The (source, mt) pairs of one evaluation set, with what each set is judged by."""
    if name in ("train", "dev"):
        d = mlqe("ru", name)
        src = read_lines(DATA / "mlqe-pe" / "ru-en" / name / "src.ru")
        idx = _sample(len(d["mt"]), n if name == "train" else 0, SEED)
        return {"src": [src[i] for i in idx], "mt": [d["mt"][i] for i in idx],
                "da_z": d["da_z"][idx], "da_mean": d["da_mean"][idx], "hter": d["hter"][idx],
                "idx": idx}
    if name == "demetr":
        base = DATA / "demetr-ru-en"
        src_by_id = dict(zip((r["demetr_id"] for r in read_tsv(base / "ids.tsv")), read_lines(base / "src.ru")))
        rows = [r for r in demetr() if r["pert_check"] == "true" and r["pert_name"] != "base_id35_reference"]
        idx = _sample(len(rows), n, SEED)
        rows = [rows[i] for i in idx]
        # each pair is scored twice: the MT and its damaged twin, both against the source
        return {"src": [src_by_id[r["demetr_id"]] for r in rows] * 2,
                "mt": [r["mt_sent"] for r in rows] + [r["pert_sent"] for r in rows],
                "severity": [r["severity"] for r in rows], "pert_name": [r["pert_name"] for r in rows],
                "idx": idx}
    if name == "wmt22":
        base = DATA / "wmt22-ru-en"
        domain = {int(r["line"]): r["domain"] for r in read_tsv(base / "segments.tsv")}
        systems = {p.stem: read_lines(p) for p in sorted((base / "mt").glob("*.en"))}
        src = read_lines(base / "src.ru")
        rows = [r for r in read_tsv(base / "da_seg_scores.tsv") if domain.get(int(r["line"])) == "news"]
        idx = _sample(len(rows), n, SEED)
        rows = [rows[i] for i in idx]
        return {"src": [src[int(r["line"]) - 1] for r in rows],
                "mt": [systems[r["system"]][int(r["line"]) - 1] for r in rows],
                "raw": np.array([float(r["raw"]) for r in rows]), "z": np.array([float(r["z"]) for r in rows]),
                "idx": idx}
    raise SystemExit(f"unknown set {name}")


def extract(a) -> None:
    import torch

    torch.set_num_threads(a.threads)
    from mtqa.models.lm import load_causal_lm
    from mtqa.qe import QualityEstimator
    from mtqa.qe.features import feature_matrix
    from mtqa.qe.lmscore import lm_pass

    OUT.mkdir(parents=True, exist_ok=True)
    qe = QualityEstimator.load(with_source=False)  # the part being fitted is not read
    gem = None
    for name, n in (("train", a.train), ("dev", 0), ("demetr", a.demetr), ("wmt22", a.wmt22)):
        if a.only and name not in a.only.split(","):
            continue
        f = OUT / f"{name}.npz"
        have = _load(name) if f.exists() else {}
        if "nlp" in have:
            print(f"{name}: cached in {f}", flush=True)
            continue
        p = pairs_for(name, n if not have else len(have["idx"]))
        if not have:  # English-only prediction and the pass with the source
            t0 = time.time()
            ts, hid = lm_pass(qe.lm, p["mt"], pool_layers=(qe.layer,))
            have["base"] = qe.linear.predict(feature_matrix(p["mt"], ts), hid)
            t1 = time.time()
            gem = gem or load_causal_lm(DEFAULT_SOURCE_LM)
            t2 = time.time()
            lps = source_logprobs(gem, p["src"], p["mt"])
            have.update(idx=p["idx"], lens=np.array([len(v) for v in lps]), lp=np.concatenate(lps),
                        secs=np.array([t1 - t0, time.time() - t2]))
        gem = gem or load_causal_lm(DEFAULT_SOURCE_LM)
        t3 = time.time()  # the pass with the source left blank
        nlps = source_logprobs(gem, [""] * len(p["mt"]), p["mt"])
        have.update(nlens=np.array([len(v) for v in nlps]), nlp=np.concatenate(nlps),
                    nsecs=np.array([time.time() - t3]))
        assert np.array_equal(have["lens"], have["nlens"])
        have.pop("feats", None)  # written by an earlier version of this script
        np.savez(f, **have)
        print(f"{name}: {len(p['mt'])} sentences; English-only QE {have['secs'][0]:.0f}s, "
              f"Gemma with source {have['secs'][1]:.0f}s, blank source {have['nsecs'][0]:.0f}s", flush=True)


def oof_base(idx: np.ndarray) -> np.ndarray:
    """Out-of-fold English-only predictions for the train sample: the shipped model saw
    every train line, so its in-sample predictions are too good and a combination fitted
    on them under-weights the source.  Refits it (same alpha and floors, 5 folds by line,
    as `scripts/train_qe.py --cv`) on the other folds.  Cached: LM outputs for all 7000
    train lines take several minutes on the CPU."""
    model_json = Path(__file__).resolve().parents[1] / "models/qe/model.json"
    # keyed by the English-only model: a retrained one needs new out-of-fold predictions
    f = OUT / f"train_oof_{hashlib.sha256(model_json.read_bytes()).hexdigest()[:10]}.npy"
    if not f.exists():
        from mtqa.qe.data import lm_parts
        from mtqa.qe.features import feature_matrix
        from mtqa.qe.train import LAYER, fit_ridge

        from mtqa.qe.model import pass_options

        spec = json.loads(model_json.read_text())
        d = mlqe("ru", "train")
        scores, hidden = lm_parts(d["mt"], LAYER, pass_options(spec, model_json.parent))
        X, y = np.hstack([feature_matrix(d["mt"], scores), hidden]), d["da_z"]
        folds = np.arange(len(y)) % 5
        pred = np.zeros_like(y)
        for k in range(5):
            w, b, mu, sd = fit_ridge(X[folds != k], y[folds != k], spec["training"]["alpha"],
                                     spec["training"]["form_min"])
            pred[folds == k] = ((X[folds == k] - mu) / sd) @ w + b
        OUT.mkdir(parents=True, exist_ok=True)
        np.save(f, pred)
    return np.load(f)[idx]


def _load(name: str) -> dict:
    z = np.load(OUT / f"{name}.npz")
    return {k: z[k] for k in z.files}


def _design(d: dict) -> np.ndarray:
    split = lambda lp, lens: np.split(lp, np.cumsum(lens)[:-1])  # noqa: E731
    return np.column_stack([d["base"], source_features(split(d["lp"], d["lens"]), split(d["nlp"], d["nlens"]))])


def fit(a) -> None:
    from mtqa.qe.model import LinearQE, SourceQE
    from mtqa.qe.train import calibration_knots

    tr = _load("train")
    ptr = pairs_for("train", len(tr["idx"]))
    assert np.array_equal(ptr["idx"], tr["idx"]), "train sample changed; re-run extract"
    if a.oof:
        tr["base"] = oof_base(tr["idx"])
    X, y = _design(tr), ptr["da_z"]
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = np.column_stack([np.ones(len(y)), (X - mu) / sd])
    lam = np.diag([0.0] + [a.ridge] * (Z.shape[1] - 1))
    w = np.linalg.solve(Z.T @ Z + lam, Z.T @ y)
    pred_tr = Z @ w
    spec = {
        "format": 1, "source_lm": DEFAULT_SOURCE_LM, "features": ["qe_pred", *NAMES],
        "mu": mu.tolist(), "sd": sd.tolist(), "intercept": float(w[0]), "weights": w[1:].tolist(),
        "calibration": calibration_knots(pred_tr, ptr["da_mean"]),
        "training": {"data": f"MLQE-PE ru-en train, {len(y)} sentences sampled with seed {SEED}",
                     "target": "da_z_mean", "ridge": a.ridge, "out_of_fold_base": a.oof,
                     "command": "python benchmarks/qe_source.py fit " + " ".join(sys.argv[2:])},
    }
    base_cal = LinearQE(json.loads((Path(__file__).resolve().parents[1] / "models/qe/model.json").read_text()))

    src_model = SourceQE(spec)

    def both(d):
        """0-100 scores as mtqa gives them: English-only, and source-aware (the shipped
        code path: ``SourceQE.score``, calibration included)."""
        f = _design(d)
        return base_cal.calibrate(d["base"]), src_model.score(f[:, 0], f[:, 1:])

    lines = [f"Weights (standardised; intercept {w[0]:.3f}): "
             + ", ".join(f"{n} {v:+.3f}" for n, v in zip(spec["features"], w[1:])),
             f"Train sample ({len(y)}): Pearson da_z English-only {pearsonr(tr['base'], y)[0]:.3f}, "
             f"with source {pearsonr(pred_tr, y)[0]:.3f}", ""]
    lines += ["| data | figure | English-only | with source | target |", "| --- | --- | --- | --- | --- |"]
    dv = _load("dev")
    pdv = pairs_for("dev", 0)
    e, s = both(dv)
    lines.append(f"| MLQE-PE ru-en dev ({len(e)}) | Pearson da_z_mean | {pearsonr(e, pdv['da_z'])[0]:.3f} | "
                 f"{pearsonr(s, pdv['da_z'])[0]:.3f} | ≥ 0.55 |")
    lines.append(f"| | Spearman da_z_mean | {spearmanr(e, pdv['da_z'])[0]:.3f} | {spearmanr(s, pdv['da_z'])[0]:.3f} | |")
    lines.append(f"| | Pearson hter | {pearsonr(e, pdv['hter'])[0]:.3f} | {pearsonr(s, pdv['hter'])[0]:.3f} | ≤ −0.40 |")
    fd = _design(dv)
    for j, nm in enumerate(NAMES, start=1):
        lines.append(f"| | Gemma {nm} alone, Pearson da_z / hter | — | "
                     f"{pearsonr(fd[:, j], pdv['da_z'])[0]:.3f} / {pearsonr(fd[:, j], pdv['hter'])[0]:.3f} | |")
    if (OUT / "demetr.npz").exists():
        dm = _load("demetr")
        pdm = pairs_for("demetr", len(dm["idx"]))
        e, s = both(dm)
        k = len(e) // 2
        sev = np.array(pdm["severity"])
        by = lambda v: "/".join(f"{100 * np.mean((v[:k] > v[k:])[sev == x]):.0f}" for x in ("minor", "major", "critical", "base"))
        lines.append(f"| DEMETR ru-en, {k} applied pairs{' (a sample)' if k < 3010 else ''} | damaged scored lower "
                     f"(minor/major/critical/base) | {100 * np.mean(e[:k] > e[k:]):.1f}% ({by(e)}) | "
                     f"{100 * np.mean(s[:k] > s[k:]):.1f}% ({by(s)}) | ≥ 85% |")
        names = np.array(pdm["pert_name"])
        per = []
        for nm in sorted(set(names)):
            m = names == nm
            per.append((float(np.mean((e[:k] > e[k:])[m])), float(np.mean((s[:k] > s[k:])[m])), nm, int(m.sum())))
        demetr_rows = ["", "DEMETR by perturbation (damaged scored lower), the English-only score's weakest first:", "",
                       "| perturbation | pairs | English-only | with source |", "| --- | --- | --- | --- |"]
        demetr_rows += [f"| {nm} | {n} | {100 * a:.0f}% | {100 * b:.0f}% |" for a, b, nm, n in sorted(per)]
    if (OUT / "wmt22.npz").exists():
        wm = _load("wmt22")
        pwm = pairs_for("wmt22", len(wm["idx"]))
        e, s = both(wm)
        lines.append(f"| WMT22 ru-en news, {len(e)} sampled rows | Pearson raw DA / z | "
                     f"{pearsonr(e, pwm['raw'])[0]:.3f} / {pearsonr(e, pwm['z'])[0]:.3f} | "
                     f"{pearsonr(s, pwm['raw'])[0]:.3f} / {pearsonr(s, pwm['z'])[0]:.3f} | ≥ 0.15 |")
    if (OUT / "demetr.npz").exists():
        lines += demetr_rows
    speed = [f"{n}: English-only QE {len(_load(n)['lens']) / _load(n)['secs'][0]:.1f} sentences/s, Gemma "
             f"{len(_load(n)['lens']) / (_load(n)['secs'][1] + _load(n)['nsecs'][0]):.1f} sentences/s (both passes)"
             for n in ("dev", "wmt22") if (OUT / f"{n}.npz").exists()]
    lines += ["", "CPU speed of the source-conditioned pass (2 cores, batches sorted by length): " + "; ".join(speed)]
    text = "\n".join(lines)
    print(text)
    if a.write:
        out = Path(__file__).resolve().parents[1] / "models" / "qe" / "source.json"
        out.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    if a.out:
        Path(a.out).write_text(f"Command: `python benchmarks/qe_source.py fit {' '.join(sys.argv[2:])}`\n\n{text}\n",
                               encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--train", type=int, default=1200)
    e.add_argument("--demetr", type=int, default=0, help="applied pairs to sample (0: all 3010)")
    e.add_argument("--wmt22", type=int, default=2000)
    e.add_argument("--only", default="", help="comma-separated sets")
    e.add_argument("--threads", type=int, default=2)
    f = sub.add_parser("fit")
    f.add_argument("--ridge", type=float, default=1.0)
    f.add_argument("--write", action="store_true")
    f.add_argument("--oof", action="store_true",
                   help="fit on out-of-fold English-only predictions (stacking), not in-sample ones")
    f.add_argument("--out", default="")
    a = ap.parse_args()
    extract(a) if a.cmd == "extract" else fit(a)


if __name__ == "__main__":
    main()
