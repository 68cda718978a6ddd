#!/usr/bin/env python3
"""How fast the post-editor decodes on this CPU, engine by engine, in one run.

    .venv/bin/python benchmarks/ape_speed.py [--spec DIR] [--n 128] [--data FILE] [--out FILE]

Every engine decodes the same sentences greedily with the same model (SmolLM2-135M with
the adapter merged) and the same prompt:
- ``torch generate``: transformers' ``generate`` (fp32, batches of 8) - the model as it was;
- ``torch guided``: input-guided greedy decoding (``mtqa.suggest.decode``), fp32;
- ``torch int8 guided``: the same after ``torch.ao.quantization.quantize_dynamic`` (int8
  linear layers);
- ``torch bf16 guided``: the same with bfloat16 weights (this CPU has AVX512-BF16, no AMX);
- ``torch sdpa guided``: fp32 with PyTorch's scaled-dot-product attention instead of eager;
- ``ct2 int8 guided``: CTranslate2 int8 (the merged model converted once): the guess
  checked with ``forward_batch``, and decoding continued with ``generate_batch`` from the
  first disagreement;
- ``onnxruntime verify``: the teacher-forced check pass alone (prompt + copy, no
  continuation) under ONNX Runtime, beside the same pass in torch: the part of the guided
  decoder that every sentence pays.
Outputs are compared with the torch guided ones (``same``).  Load/convert time is left
out of sentences/s.
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mlqe-pe" / "ru-en" / "dev" / "mt.en"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=None, help="adapter dir (default: the shipped one)")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engines", default="generate,guided,int8,ct2,onnx")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import torch

    from mtqa.suggest.backend import OutputCache, load_backend
    from mtqa.suggest.decode import GuidedDecoder

    torch.set_num_threads(args.threads)
    lines = [s for s in Path(args.data).read_text(encoding="utf-8").split("\n") if s.strip()][: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        b = load_backend(args.spec)
        b.use_cache(OutputCache(Path(tmp) / "o.sqlite"))
        tok = b.tok
        engines = args.engines.split(",")
        rows, ref = [], None

        def report(name, secs, outs, note=""):
            same = "" if ref is None or outs is None else f"{sum(x == y for x, y in zip(outs, ref))}/{len(lines)}"
            rows.append(f"| {name} | {len(lines) / secs:.2f} | {secs:.1f} | {same} | {note} |")
            print(rows[-1], file=sys.stderr, flush=True)

        t = time.time()
        ref = b.generate_guided(lines)
        guided_s = time.time() - t
        dec = b.decoder
        note = f"{dec.forward_passes} model calls; {dec.copied} sentences copied whole"
        if "generate" in engines:
            t = time.time()
            outs = []
            for i in range(0, len(lines), 8):
                outs += b.generate_plain(lines[i:i + 8])
            report("torch generate (fp32)", time.time() - t, outs)
        if "guided" in engines:
            report("torch guided (fp32)", guided_s, None, note)
        fp32 = b.model
        if "int8" in engines:
            q = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32), {torch.nn.Linear}, dtype=torch.qint8)
            b.use_model(q)
            t = time.time()
            outs = b.generate_guided(lines)
            report("torch int8 dynamic, guided", time.time() - t, outs)
            b.use_model(fp32)
        if "bf16" in engines:
            b.use_model(copy.deepcopy(fp32).to(torch.bfloat16))
            t = time.time()
            outs = b.generate_guided(lines)
            report("torch bf16 weights, guided", time.time() - t, outs)
            b.use_model(fp32)
        if "sdpa" in engines:
            m = copy.deepcopy(fp32)
            m.set_attn_implementation("sdpa")
            b.use_model(m)
            t = time.time()
            outs = b.generate_guided(lines)
            report("torch fp32, SDPA attention, guided", time.time() - t, outs)
            b.use_model(fp32)
        if "ct2" in engines:
            try:
                report(*_ct2(b, lines, Path(tmp), args.threads))
            except ImportError as exc:
                rows.append(f"| ct2 int8 guided | n/a | | | {exc} |")
        if "onnx" in engines:
            try:
                rows += _onnx(b, lines, Path(tmp), args.threads)
            except ImportError as exc:
                rows.append(f"| onnxruntime verify | n/a | | | {exc} |")
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    text = "\n".join([f"# Post-editor decoding speed, {len(lines)} sentences of `{args.data}`", "",
                      f"Command: `{cmd}`  ", f"Model: `{b.model_id}`; torch threads {args.threads}.", "",
                      "| engine | sentences/s | seconds | same output as torch guided | notes |",
                      "|---|---|---|---|---|", *rows]) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _ct2(b, lines, tmp: Path, threads: int):
    import ctranslate2
    import numpy as np

    src = tmp / "merged"
    b.model.save_pretrained(src)
    b.tok.save_pretrained(src)
    t0 = time.time()
    ctranslate2.converters.TransformersConverter(str(src)).convert(str(tmp / "ct2"), quantization="int8", force=True)
    conv = time.time() - t0
    gen = ctranslate2.Generator(str(tmp / "ct2"), device="cpu", compute_type="int8", intra_threads=threads)
    tok = b.tok
    end = b.end_id()
    t = time.time()
    outs = []
    for i in range(0, len(lines), 16):
        chunk = lines[i:i + 16]
        prompts = [tok(b.prompt(s), add_special_tokens=False)["input_ids"] for s in chunk]
        drafts = [tok(b.answer(s), add_special_tokens=False)["input_ids"] + [end] for s in chunk]
        seqs = [tok.convert_ids_to_tokens(p + d) for p, d in zip(prompts, drafts)]
        logits = np.asarray(gen.forward_batch(seqs))  # [batch, time, vocab], padded on the right
        for r, (p, d) in enumerate(zip(prompts, drafts)):
            guess = logits[r, len(p) - 1:len(p) - 1 + len(d)].argmax(-1).tolist()
            m = next((k for k in range(len(d)) if guess[k] != d[k]), len(d))
            if m == len(d):
                ans = d
            else:
                start = tok.convert_ids_to_tokens(p + d[:m])
                res = gen.generate_batch([start], max_length=b.max_new_tokens(tok, [chunk[r]]) - m, beam_size=1,
                                         include_prompt_in_result=False, end_token=tok.convert_ids_to_tokens([end]))
                ans = d[:m] + res[0].sequences_ids[0]
            outs.append(_first(tok.decode(ans, skip_special_tokens=True)))
    return "ct2 int8 guided", time.time() - t, outs, f"conversion {conv:.0f} s"


def _onnx(b, lines, tmp: Path, threads: int) -> list[str]:
    import numpy as np
    import onnxruntime as ort
    import torch

    class Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids):
            return self.m(input_ids=input_ids, use_cache=False).logits

    tok, end = b.tok, b.end_id()
    batches = []
    for i in range(0, len(lines), 16):
        seqs = [tok(b.prompt(s), add_special_tokens=False)["input_ids"]
                + tok(b.answer(s), add_special_tokens=False)["input_ids"] + [end] for s in lines[i:i + 16]]
        w = max(len(x) for x in seqs)
        batches.append(np.array([x + [end] * (w - len(x)) for x in seqs], dtype=np.int64))
    path = tmp / "model.onnx"
    t0 = time.time()
    torch.onnx.export(Logits(b.model).eval(), (torch.tensor(batches[0]),), str(path), input_names=["input_ids"],
                      output_names=["logits"], dynamic_axes={"input_ids": {0: "b", 1: "t"}, "logits": {0: "b", 1: "t"}},
                      dynamo=False)
    conv = time.time() - t0
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    t = time.time()
    for x in batches:
        sess.run(["logits"], {"input_ids": x})[0].argmax(-1)
    t_ort = time.time() - t
    t = time.time()
    with torch.inference_mode():
        for x in batches:
            b.model(input_ids=torch.tensor(x), use_cache=False).logits.argmax(-1)
    t_torch = time.time() - t
    n = len(lines)
    return [f"| torch verify pass only (fp32) | {n / t_torch:.2f} | {t_torch:.1f} | | prompt + copy, batches of 16 |",
            f"| onnxruntime verify pass only (fp32) | {n / t_ort:.2f} | {t_ort:.1f} | | export {conv:.0f} s |"]


def _first(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


if __name__ == "__main__":
    sys.exit(main())
