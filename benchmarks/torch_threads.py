#!/usr/bin/env python3
"""Why every model pass runs on one thread (``mtqa.models.thread``): the quality
estimate's LM pass over MLQE-PE ru-en dev lines timed from the first thread that used
torch, then from a second thread, then from the first again, with the cores busy meanwhile
(the process's user CPU time over the wall time).

    .venv/bin/python benchmarks/torch_threads.py [--n 200] [--first worker|main]

On 2 cores (2026-12-07): the first thread's pass is fast; once a second thread has used
torch, *both* threads' passes run on about one core.  Data: MLQE-PE (CC0).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--first", choices=("main", "worker"), default="main")
    args = ap.parse_args()

    from mtqa.qe import QualityEstimator
    from mtqa.qe.data import mlqe

    lines = mlqe("ru", "dev")["mt"][: args.n]
    qe = QualityEstimator.load()
    other = ThreadPoolExecutor(1)

    def timed() -> str:
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        qe.score(lines)
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        return f"{wall:.2f} s, {(r1.ru_utime - r0.ru_utime) / wall:.2f} cores busy"

    def run(where: str) -> str:
        return timed() if where == "main" else other.submit(timed).result()

    first, second = args.first, "worker" if args.first == "main" else "main"
    if first == "main":  # torch's first use (the model loads here)
        qe.score(lines[:10])
    else:
        other.submit(qe.score, lines[:10]).result()
    print(f"{len(lines)} lines; torch first used from the {first} thread")
    for where in (first, second, first):
        print(f"  from the {where} thread: {run(where)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
