#!/usr/bin/env python3
"""What the post-editing model costs `mtqa check` on news: the same WMT22 ru-en news
articles checked with default settings and with ``--no-model``, in one run.

    .venv/bin/python benchmarks/model_cost.py [--system Online-B] [--docs 20] [--no-qe] [--out FILE]

Each arm builds its own Checker (as one `mtqa check` process does: a LanguageTool server,
spaCy, the QE model unless ``--no-qe``, and the post-editor in the default arm), checks
the first ``--docs`` articles of the system's output rebuilt from ``segments.tsv``, and
times the checks alone (start-up is timed apart).  The model's outputs go to a fresh
cache, so nothing is reused between runs.  The arms alternate article by article, so the
machine's noise falls on both.  Prints seconds per arm, the ratio, and the model's
throughput (sentences per second).
Data: WMT22 general task ru-en, news domain (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", default=str(NEWS))
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--no-qe", action="store_true")
    ap.add_argument("--lt-url", default=os.environ.get("MTQA_LT_URL"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--spec", default=None, help="post-editing model spec (default: mtqa's default)")
    args = ap.parse_args()

    from mtqa.evaluate.datasets import articles, read_segments_tsv
    from mtqa.run.checker import Backends, Checker
    from mtqa.suggest.backend import OutputCache

    news = Path(args.news)
    lines = (news / "mt" / f"{args.system}.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    arts = articles(lines, read_segments_tsv(news / "segments.tsv"))[: args.docs]
    qe = not args.no_qe
    times = {"--no-model": 0.0, "default (model on)": 0.0}
    startup = {}
    sentences = 0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        plain = Checker(Backends(lt_url=args.lt_url, model=False, qe=qe)).__enter__()
        startup["--no-model"] = time.time() - t0
        t0 = time.time()
        full = Checker(Backends(lt_url=args.lt_url, model=True, qe=qe, model_spec=args.spec)).__enter__()
        full.suggester.backend.use_cache(OutputCache(Path(tmp) / "o.sqlite"))
        startup["default (model on)"] = time.time() - t0
        try:
            words = 0
            for k, (doc_id, text) in enumerate(arts):
                arms = [("--no-model", plain), ("default (model on)", full)]
                for name, ck in (arms if k % 2 == 0 else arms[::-1]):  # who goes first alternates
                    t0 = time.time()
                    rep = ck.check(text, doc_id)
                    times[name] += time.time() - t0
                words += rep.words
                sentences += sum(s.kind == "sentence" for s in rep.segments)
        finally:
            full.__exit__(None, None, None)
            plain.__exit__(None, None, None)
    ratio = times["default (model on)"] / times["--no-model"]
    model_s = times["default (model on)"] - times["--no-model"]
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    out = [f"# Model cost on `mtqa check`: WMT22 ru-en news, {args.system}", "", f"Command: `{cmd}`  ",
           f"{len(arts)} articles, {sentences} sentences, {words} words; QE {'off' if args.no_qe else 'on'}; "
           f"2-core CPU, arms interleaved article by article, the first alternating.", "",
           "| arm | start-up s | check s | s per article |", "|---|---|---|---|"]
    for name, t in times.items():
        out.append(f"| {name} | {startup[name]:.1f} | {t:.1f} | {t / max(1, len(arts)):.2f} |")
    share = (f"{model_s:.1f} s for {sentences} sentences, {sentences / model_s:.1f} sentences/s." if model_s > 0.05
             else f"{model_s:+.1f} s for {sentences} sentences: within the machine's noise.")
    out += ["", f"**Ratio default / --no-model: {ratio:.2f}×** (target ≤ 2×). The model's share: " + share]
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
