#!/usr/bin/env python3
"""How the LM passes are batched, on news articles: the quality estimate's token pass and
the post-editor's teacher-forced decoding, each run article by article (as `mtqa check`
runs them) with the batching they had before (the QE pass: as many length-sorted sentences as fit
in 2048 tokens, padded to the longest; the decoder: 8 at a time) and with
``mtqa.models.batching.length_batches`` (cut where padding costs more than a pass), arms
interleaved in one run.  Prints seconds per arm, padded tokens, and whether the outputs
agree (QE scores to 1e-3 points, post-edits exactly).

    .venv/bin/python benchmarks/lm_batching.py [--docs 12] [--system Online-B] [--out FILE]

Data: WMT22 general task ru-en, news (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def greedy_batches(widths, max_rows, max_tokens, pass_tokens=0):
    """The batching both passes had before: sorted, as many as fit in ``max_tokens``."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    out, cur = [], []
    for i in order:
        if cur and (len(cur) >= max_rows or (len(cur) + 1) * widths[i] > max_tokens):
            out.append(cur)
            cur = []
        cur.append(i)
    return out + ([cur] if cur else [])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import mtqa.models.batching as batching
    import mtqa.qe.lmscore as lmscore
    from mtqa.evaluate.datasets import articles, read_segments_tsv
    from mtqa.qe import QualityEstimator
    from mtqa.segment import segment_text, sentences as only
    from mtqa.suggest.backend import OutputCache, load_backend

    lines = (NEWS / "mt" / f"{args.system}.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    docs = [[s.text for s in only(segment_text(t)) if any(c.isalpha() for c in s.text)]
            for _, t in articles(lines, read_segments_tsv(NEWS / "segments.tsv"))[: args.docs]]
    qe = QualityEstimator.load()
    pe = load_backend()
    tmp = Path(tempfile.mkdtemp())
    pe.use_cache(OutputCache(tmp / "warm.sqlite"))
    qe.score(docs[0][:2])
    pe.correct(docs[0][:2])  # loads both models, builds the decoder
    def before(widths, max_rows, max_tokens, pass_tokens=0):
        # The QE pass asks for max_rows = its token budget (no row limit) and filled 2048
        # tokens; the decoder asks for 16 rows and took 8 sentences at a time.
        return greedy_batches(widths, max_rows if max_rows > 16 else 8, max_tokens)

    arms = {"before": before, "length_batches": batching.length_batches}
    secs = {a: {"qe": 0.0, "post-editor": 0.0} for a in arms}
    padded = {a: {"qe": 0, "post-editor": 0} for a in arms}
    outs = {a: {"qe": [], "post-editor": []} for a in arms}
    tok = pe.tok
    pre = len(pe._prefix_ids())
    for k, sents in enumerate(docs):
        qw = [len(tok(s, add_special_tokens=False)["input_ids"]) + 1 for s in sents]
        dw = [len(tok(pe.prompt(s), add_special_tokens=False)["input_ids"]) - pre
              + len(tok(pe.answer(s), add_special_tokens=False)["input_ids"]) + 1 for s in sents]
        for name in (list(arms) if k % 2 == 0 else list(arms)[::-1]):
            fn = arms[name]
            lmscore.length_batches = fn  # the QE pass imported it; the decoder looks it up
            batching.length_batches = fn  # in mtqa.models.batching at each call
            t0 = time.time()
            outs[name]["qe"] += qe.score(sents)
            secs[name]["qe"] += time.time() - t0
            pe.use_cache(OutputCache(tmp / f"{name}-{k}.sqlite"))  # nothing reused
            t0 = time.time()
            outs[name]["post-editor"] += pe.correct(sents)
            secs[name]["post-editor"] += time.time() - t0
            for part, w, rows in (("qe", qw, lmscore.BATCH_TOKENS), ("post-editor", dw, pe.decoder.batch_size)):
                padded[name][part] += sum(len(b) * max(w[i] for i in b) for b in fn(w, rows, 2048, batching.PASS_TOKENS))
        batching.length_batches = arms["length_batches"]
        lmscore.length_batches = arms["length_batches"]
    a, b = list(arms)
    qe_diff = max(abs(x - y) for x, y in zip(outs[a]["qe"], outs[b]["qe"]))
    same = sum(x == y for x, y in zip(outs[a]["post-editor"], outs[b]["post-editor"]))
    n = len(outs[a]["post-editor"])
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    rows = [f"# LM pass batching on news articles: WMT22 ru-en, {args.system}", "",
            f"Command: `{cmd}`  ", f"{len(docs)} articles, {n} sentences, article by article, "
            "arms interleaved (the first alternating), 2-core CPU.", "",
            "| pass | arm | seconds | padded tokens |", "|---|---|---|---|"]
    for part in ("qe", "post-editor"):
        for name in arms:
            rows.append(f"| {part} | {name} | {secs[name][part]:.1f} | {padded[name][part]} |")
    rows += ["", f"Speed-up: QE {secs[a]['qe'] / secs[b]['qe']:.2f}×, post-editor "
             f"{secs[a]['post-editor'] / secs[b]['post-editor']:.2f}×. QE scores: largest difference "
             f"{qe_diff:.2g} points; post-edits identical: {same} of {n}."]
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
