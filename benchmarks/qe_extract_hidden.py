"""Mean-pooled SmolLM2 hidden states (layers 15 and 30) of the QE sentences, saved in
four float16 parts (the device machine returns files of at most 16 MB)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.models.lm import load_causal_lm  # noqa: E402
from mtqa.qe.lmscore import lm_pass  # noqa: E402

LAYERS = (15, 30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", required=True)
    ap.add_argument("--out", required=True, help="folder")
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--device", default=None)
    ap.add_argument("--parts", type=int, default=4)
    a = ap.parse_args()
    sents = Path(a.sentences).read_text(encoding="utf-8").split("\n")[:-1]
    lm = load_causal_lm(a.model, a.device)
    t = time.time()
    _, vec = lm_pass(lm, sents, pool_layers=LAYERS)
    print(f"{len(sents)} sentences {time.time() - t:.1f}s dim {vec.shape}", flush=True)
    for k, part in enumerate(np.array_split(np.arange(len(sents)), a.parts)):
        np.savez_compressed(Path(a.out) / f"hidden{k}.npz", idx=part, vec=vec[part].astype(np.float16))


if __name__ == "__main__":
    main()
