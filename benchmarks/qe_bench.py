"""QE figures: MLQE-PE ru-en dev (Pearson with da_z_mean and hter), DEMETR ru-en
(damaged sentence scores lower), WMT22 ru-en news (Pearson with crowd DA).

    .venv/bin/python benchmarks/qe_bench.py [--model models/qe]

Uses the LM caches in .cache/qe (see qe_extract_lm.py); missing sentences are scored here.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.qe.data import demetr, lm_parts, mlqe, wmt22_news_rows  # noqa: E402
from mtqa.qe.model import QualityEstimator  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--save-wmt22", help="save the WMT22 news row scores here (.npy), for wmt22_ceiling.py")
    a = ap.parse_args()
    qe = QualityEstimator.load(a.model)
    layer = qe.layer

    def score(sents: list[str]) -> np.ndarray:
        ts, hid = lm_parts(sents, layer)
        return np.array(qe.linear.score_parts(sents, ts, hid))

    res: dict = {"model_id": qe.model_id}
    dv = mlqe("ru", "dev")
    s = score(dv["mt"])
    res["mlqe_ru_dev"] = {
        "n": len(s),
        "pearson_da_z": pearsonr(s, dv["da_z"])[0],
        "spearman_da_z": spearmanr(s, dv["da_z"])[0],
        "pearson_hter": pearsonr(s, dv["hter"])[0],
        "mean_score": float(s.mean()),
        "mean_da": float(dv["da_mean"].mean()),
    }
    rows = [r for r in demetr() if r["pert_check"] == "true"]
    a_s = score([r["mt_sent"] for r in rows])
    b_s = score([r["pert_sent"] for r in rows])
    by_sev, by_name = defaultdict(list), defaultdict(list)
    for r, x, y in zip(rows, a_s, b_s):
        by_name[r["pert_name"]].append(x > y)
        if r["pert_name"] != "base_id35_reference":  # the reference is no damage
            by_sev[r["severity"]].append(x > y)
    dmg = [v for k, vs in by_sev.items() for v in vs]
    res["demetr"] = {
        "pairs": len(dmg),
        "damaged_lower": float(np.mean(dmg)),
        "by_severity": {k: float(np.mean(v)) for k, v in sorted(by_sev.items())},
        "reference_lower_than_mt": float(np.mean(by_name["base_id35_reference"])),
        "by_perturbation": {k: round(float(np.mean(v)), 3) for k, v in sorted(by_name.items())},
    }
    sents, raw, z = wmt22_news_rows()
    w = score(sents)
    if a.save_wmt22:
        np.save(a.save_wmt22, w)
    res["wmt22_news"] = {
        "rows": len(w),
        "pearson_raw": pearsonr(w, raw)[0],
        "pearson_z": pearsonr(w, z)[0],
        "spearman_raw": spearmanr(w, raw)[0],
    }
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
