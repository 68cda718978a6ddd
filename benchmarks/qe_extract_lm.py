"""Token log-probs of many sentences with the QE language model, saved for the QE
training script and benchmarks (run on a GPU machine for the ~50k sentences; on CPU the
cache fills itself lazily, sentence by sentence, and is far slower).

    python benchmarks/qe_extract_lm.py --sentences S.txt --out lm.npz [--model smollm2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.models.lm import load_causal_lm  # noqa: E402
from mtqa.qe.lmscore import token_logprobs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", required=True, help="one sentence per line")
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    sents = Path(a.sentences).read_text(encoding="utf-8").split("\n")
    if sents and sents[-1] == "":
        sents.pop()
    t = time.time()
    lm = load_causal_lm(a.model, a.device)
    print(f"load {time.time() - t:.1f}s {lm.model_id} on {lm.device}", flush=True)
    t = time.time()
    token_logprobs(lm, sents[:1000])
    print(f"1000 sentences {time.time() - t:.2f}s (incl. warm-up)", flush=True)
    t = time.time()
    scores = token_logprobs(lm, sents)
    print(f"{len(sents)} sentences {time.time() - t:.1f}s", flush=True)
    lens = np.array([len(s.logprobs) for s in scores], dtype=np.int32)
    np.savez_compressed(
        a.out,
        model_id=np.array(lm.model_id),
        lengths=lens,
        logprobs=np.concatenate([s.logprobs for s in scores]).astype(np.float32),
        offsets=np.concatenate([s.offsets for s in scores]).astype(np.int32),
    )


if __name__ == "__main__":
    main()
