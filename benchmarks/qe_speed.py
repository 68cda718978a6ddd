"""Wall time of QualityEstimator.score on 1000 MLQE-PE ru-en dev sentences (no caches).

    .venv/bin/python benchmarks/qe_speed.py [--n 1000] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.qe_data import mlqe  # noqa: E402
from mtqa.qe import QualityEstimator  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    sents = mlqe("ru", "dev")["mt"][: a.n]
    t = time.time()
    qe = QualityEstimator.load(device=a.device)
    qe.score(sents[:2])
    load = time.time() - t
    t = time.time()
    qe.score(sents)
    dt = time.time() - t
    print(f"{qe.model_id} on {qe.lm.device}, {os.cpu_count()} CPUs, load+warm-up {load:.1f}s, "
          f"{len(sents)} sentences {dt:.1f}s ({len(sents) / dt:.1f}/s)")


if __name__ == "__main__":
    main()
