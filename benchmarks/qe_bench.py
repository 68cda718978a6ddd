"""QE figures: MLQE-PE ru-en dev (Pearson with da_z_mean and hter), DEMETR ru-en
(damaged sentence scores lower), WMT22 ru-en news (Pearson with crowd DA).

    .venv/bin/python benchmarks/qe_bench.py [--model models/qe]

Uses the LM caches in .cache/qe (see qe_extract_lm.py) for the fp32 pass; missing
sentences, and every sentence of a model fitted on a cheaper pass (``lm_int8`` …,
``mtqa.qe.model.pass_options``), are scored here with the pass the model names.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.qe.data import benchmark_figures, lm_parts  # noqa: E402
from mtqa.qe.model import QualityEstimator, pass_options  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--save-wmt22", help="save the WMT22 news row scores here (.npy), for wmt22_ceiling.py")
    a = ap.parse_args()
    qe = QualityEstimator.load(a.model)
    layer, options = qe.layer, pass_options(qe.spec, qe.folder)
    import torch

    torch.set_num_threads(2)

    def score(sents: list[str]) -> np.ndarray:
        ts, hid = lm_parts(sents, layer, options)
        return np.array(qe.linear.score_parts(sents, ts, hid))

    res: dict = {"model_id": qe.model_id, **benchmark_figures(score)}
    w = res.pop("wmt22_scores")
    if a.save_wmt22:
        np.save(a.save_wmt22, w)
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
