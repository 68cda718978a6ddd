"""Fit the QE model on MLQE-PE ru-en train and write models/qe/model.json.

    .venv/bin/python scripts/train_qe.py [--alpha 3000] [--form-min 0.05] [--variant V] [--out models/qe]

LM outputs come from .cache/qe (filled by benchmarks/qe_extract_lm.py and
qe_extract_hidden.py on a GPU machine); sentences missing there are scored here on the CPU.
``--variant``: a cheaper LM pass (``mtqa.qe.model.PASS_KEYS``, named as in
benchmarks/qe_fast.py, e.g. ``int8-int8h-v4096``), always computed here (about a minute);
the model file names it, so mtqa runs the same pass.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.qe.data import lm_parts, mlqe  # noqa: E402
from mtqa.qe.features import NAMES, feature_matrix  # noqa: E402
from mtqa.qe.model import pass_options  # noqa: E402
from mtqa.qe.train import LAYER, fit_ridge, model_spec, parse_variant, write_smoothing  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpha", type=float, default=3000.0)
    ap.add_argument("--form-min", type=float, default=0.05)
    ap.add_argument("--cv", action="store_true", help="5-fold CV over alpha on train first")
    ap.add_argument("--cv-by-doc", action="store_true",
                    help="CV folds by document (doc_id), not by line: no document on both sides")
    ap.add_argument("--variant", default="fp32", help="the LM pass (benchmarks/qe_fast.py's names)")
    ap.add_argument("--out", default="models/qe")
    a = ap.parse_args()
    t0 = time.time()
    tr = mlqe("ru", "train")
    try:
        keys = parse_variant(a.variant)
    except ValueError as exc:
        ap.error(str(exc))
    if keys.get("lm_layers") and keys["lm_layers"] < LAYER:
        ap.error(f"--variant {a.variant}: the model reads hidden layer {LAYER}")
    import torch

    torch.set_num_threads(2)
    out = Path(a.out)
    if keys.get("lm_smoothing"):  # the int8 calibration, shipped beside the model
        write_smoothing(out / keys["lm_smoothing"])
    scores, hidden = lm_parts(tr["mt"], LAYER, pass_options(keys, out))
    X = np.hstack([feature_matrix(tr["mt"], scores), hidden])
    y = tr["da_z"]
    print(f"features {X.shape} in {time.time() - t0:.1f}s", flush=True)
    if a.cv:
        if a.cv_by_doc:  # the proverbs page alone is 1766 of the 7000 lines
            folds = np.array([zlib.crc32(d.encode()) % 5 for d in tr["doc_id"]])
            seen = set(tr["doc_id"])
            dev_docs = mlqe("ru", "dev")["doc_id"]
            print(f"dev lines whose document is also in train: {sum(d in seen for d in dev_docs)} of "
                  f"{len(dev_docs)} ({len(set(dev_docs) & seen)} of {len(set(dev_docs))} documents); "
                  f"largest train document: {max(Counter(tr['doc_id']).values())} lines", flush=True)
        else:
            folds = np.arange(len(y)) % 5
        for alpha in (300.0, 1000.0, 3000.0, 10000.0):
            pred = np.zeros_like(y)
            for k in range(5):
                w, b, mu, sd = fit_ridge(X[folds != k], y[folds != k], alpha, a.form_min)
                pred[folds == k] = ((X[folds == k] - mu) / sd) @ w + b
            print(f"alpha {alpha:g}: 5-fold CV Pearson da_z {pearsonr(pred, y)[0]:.3f}, "
                  f"hter {pearsonr(pred, tr['hter'])[0]:.3f}", flush=True)
    spec = model_spec(X, y, tr["da_mean"], alpha=a.alpha, form_min=a.form_min,
                      name="smollm2-l15-ridge-v1" if a.variant == "fp32" else f"smollm2-{a.variant}-l15-ridge-v1",
                      hidden_layer=LAYER, options=keys,
                      data="MLQE-PE ru-en train (7000 sentences, mt.en, da_z_mean / da_mean)",
                      command="python scripts/train_qe.py " + " ".join(sys.argv[1:]))
    w = spec["weights"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.json").write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    print("weights:", {n: round(float(v), 4) for n, v in zip(NAMES, w)})
    print(f"train Pearson {spec['training']['train_pearson']}; wrote {out / 'model.json'}")


if __name__ == "__main__":
    main()
