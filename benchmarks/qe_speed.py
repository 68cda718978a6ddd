"""QE speed: the pre-change LM pass (frozen below) against mtqa's, in one run, on the same
MLQE-PE ru-en dev lines, plus the peak RSS of the real ``mtqa check --lines`` on 1000 lines.

    MTQA_CACHE=.cache/mtqa nice .venv/bin/python benchmarks/qe_speed.py [--n 1000] [--chunk 100]
        [--no-check] [--out benchmarks/results/qe_speed.md]

The lines are cut into chunks; each chunk is scored by both arms, alternating which goes
first (old-new, new-old, ...), so load from other processes falls on both alike.  Two
timings per arm:

- ``score``: QualityEstimator.score (the LM pass, features, linear model);
- ``score+QE001``: as the pipeline uses it: the score, then ``surprising_words`` on every
  line scoring below LOW_QE (the pipeline also requires that no other finding is on the
  line, so this is the most QE001 work a chunk can cost).  The old arm ran a pass of its
  own per such line; the new one reads the score pass's token scores.

Reported: sentences/s per arm, the largest absolute score difference, Pearson/Spearman of
new against old and of each against the human DA z-scores (scores.tsv), and the peak RSS
of ``mtqa check --lines ... --no-model`` (sampled every 0.2 s with psutil: the Python
process, and with its LanguageTool server).
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.stats import pearsonr, spearmanr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mtqa.qe.data import DATA, mlqe  # noqa: E402
from mtqa.qe.policy import LOW_QE  # noqa: E402
from mtqa.qe import QualityEstimator  # noqa: E402
from mtqa.qe.features import word_logprobs  # noqa: E402
from mtqa.qe.lmscore import MAX_TOKENS, TokenScores, prefix_id, str_offsets  # noqa: E402


# --- the pre-change LM pass, frozen (mtqa/qe/lmscore.py before issue 14): used only here ---
def old_lm_pass(lm, sentences: Sequence[str], batch_tokens: int = 8192, pool_layers: Sequence[int] = ()):
    import torch

    tok, model = lm.tokenizer, lm.model
    enc = tok(list(sentences), add_special_tokens=False, return_offsets_mapping=True,
              truncation=True, max_length=MAX_TOKENS)
    ids = enc["input_ids"]
    offs = enc["offset_mapping"]
    pre = prefix_id(tok)
    out: list = [None] * len(sentences)
    pooled = None
    order = sorted(range(len(sentences)), key=lambda i: len(ids[i]))
    i = 0
    while i < len(order):
        width = len(ids[order[i]]) + 1
        j = i
        while j < len(order) and (j - i + 1) * (len(ids[order[j]]) + 1) <= max(batch_tokens, width):
            j += 1
        batch = order[i:j]
        width = max(len(ids[k]) for k in batch) + 1
        x = torch.full((len(batch), width), pre, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, k in enumerate(batch):
            n = len(ids[k])
            x[r, 1 : n + 1] = torch.tensor(ids[k], dtype=torch.long)
            mask[r, : n + 1] = 1
        x, mask = x.to(lm.device), mask.to(lm.device)
        with torch.inference_mode():
            res = model(input_ids=x, attention_mask=mask, output_hidden_states=bool(pool_layers))
            logits = res.logits[:, :-1].float()
            lp = torch.log_softmax(logits, dim=-1).gather(-1, x[:, 1:].unsqueeze(-1)).squeeze(-1)
            if pool_layers:
                m = mask.clone()
                m[:, 0] = 0
                m = m.unsqueeze(-1).float()
                den = m.sum(1).clamp(min=1)
                vec = torch.cat([(res.hidden_states[L].float() * m).sum(1) / den for L in pool_layers], -1)
                vec = vec.cpu().numpy()
                if pooled is None:
                    pooled = np.zeros((len(sentences), vec.shape[1]), dtype=np.float32)
                pooled[batch] = vec
        lp = lp.cpu().numpy()
        for r, k in enumerate(batch):
            n = len(ids[k])
            o = np.asarray(str_offsets(sentences[k], offs[k]), dtype=np.int32).reshape(-1, 2)
            out[k] = TokenScores(logprobs=lp[r, :n].astype(np.float32), offsets=o)
        i = j
    return out, pooled


def old_score(qe: QualityEstimator, sents: list[str]) -> list[float]:
    ts, hid = old_lm_pass(qe.lm, sents, pool_layers=(qe.layer,))
    return qe.linear.score_parts(sents, ts, hid)


def old_surprising(qe: QualityEstimator, sentence: str, k: int = 1):
    ((ts,), _) = old_lm_pass(qe.lm, [sentence])
    return sorted(word_logprobs(sentence, ts), key=lambda w: w[2])[:k]
# --- end of the frozen copy ---


def run_arm(qe, sents: list[str], old: bool) -> tuple[list[float], float, float, int]:
    """(scores, seconds for the score, seconds for score+QE001, lines given QE001 work)."""
    t0 = time.perf_counter()
    s = old_score(qe, sents) if old else qe.score(sents)
    t1 = time.perf_counter()
    low = [x for x, q in zip(sents, s) if q < LOW_QE and x.strip()]
    for x in low:
        old_surprising(qe, x) if old else qe.surprising_words(x, k=1)
    t2 = time.perf_counter()
    return s, t1 - t0, t2 - t0, len(low)


def peak_rss(cmd: list[str]) -> dict:
    import psutil

    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc = psutil.Process(p.pid)
    main = tree = 0
    while p.poll() is None:
        try:
            m = proc.memory_info().rss
            kids = sum(c.memory_info().rss for c in proc.children(recursive=True))
            main, tree = max(main, m), max(tree, m + kids)
        except psutil.Error:
            pass
        time.sleep(0.2)
    err = p.stderr.read().decode(errors="replace")[-500:] if p.stderr else ""
    return {"rc": p.returncode, "wall_s": time.perf_counter() - t, "python_gb": main / 2**30,
            "with_children_gb": tree / 2**30, "stderr_tail": err}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--no-check", action="store_true", help="skip the mtqa check --lines RSS run")
    ap.add_argument("--check-lines", type=int, default=1000)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "qe_speed.md"))
    a = ap.parse_args()
    command = "MTQA_CACHE=.cache/mtqa nice .venv/bin/python benchmarks/qe_speed.py " + " ".join(
        shlex.quote(x) for x in sys.argv[1:])
    import torch

    dv = mlqe("ru", "dev")
    sents, z = dv["mt"][: a.n], dv["da_z"][: a.n]
    qe = QualityEstimator.load()
    qe.score(sents[:8])
    old_score(qe, sents[:8])  # warm-up, both arms
    scores = {True: [], False: []}
    t_score = {True: 0.0, False: 0.0}
    t_all = {True: 0.0, False: 0.0}
    n_low = {True: 0, False: 0}
    for c, at in enumerate(range(0, len(sents), a.chunk)):
        part = sents[at : at + a.chunk]
        for old in ((True, False) if c % 2 == 0 else (False, True)):
            s, ts, tall, nl = run_arm(qe, part, old)
            scores[old] += s
            t_score[old] += ts
            t_all[old] += tall
            n_low[old] += nl
        print(f"chunk {c}: old {t_score[True]:.0f}s/{t_all[True]:.0f}s new {t_score[False]:.0f}s/{t_all[False]:.0f}s",
              file=sys.stderr, flush=True)
    o, n = np.array(scores[True]), np.array(scores[False])
    rows = [
        ("sentences", f"{len(sents)} (chunks of {a.chunk}, interleaved)"),
        ("old score: sentences/s", f"{len(sents) / t_score[True]:.2f} ({t_score[True]:.0f} s)"),
        ("new score: sentences/s", f"{len(sents) / t_score[False]:.2f} ({t_score[False]:.0f} s)"),
        ("speed-up, score", f"{t_score[True] / t_score[False]:.2f}x"),
        (f"old score+QE001 ({n_low[True]} lines < {LOW_QE:g}): sentences/s",
         f"{len(sents) / t_all[True]:.2f} ({t_all[True]:.0f} s)"),
        (f"new score+QE001 ({n_low[False]} lines < {LOW_QE:g}): sentences/s",
         f"{len(sents) / t_all[False]:.2f} ({t_all[False]:.0f} s)"),
        ("speed-up, score+QE001", f"{t_all[True] / t_all[False]:.2f}x"),
        ("max abs score difference (0-100 scale)", f"{np.abs(o - n).max():.2e}"),
        ("Pearson / Spearman, new vs old", f"{pearsonr(n, o)[0]:.6f} / {spearmanr(n, o)[0]:.6f}"),
        ("Pearson / Spearman with human DA z, old", f"{pearsonr(o, z)[0]:.4f} / {spearmanr(o, z)[0]:.4f}"),
        ("Pearson / Spearman with human DA z, new", f"{pearsonr(n, z)[0]:.4f} / {spearmanr(n, z)[0]:.4f}"),
    ]
    check = None
    if not a.no_check:
        lines = DATA / "mlqe-pe" / "ru-en" / "dev" / "mt.en"
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "lines.en"
            src.write_text("\n".join(dv["mt"][: a.check_lines]) + "\n", encoding="utf-8")
            exe = str(Path(sys.executable).with_name("mtqa"))
            cmd = [exe, "check", "--lines", str(src if a.check_lines != len(dv["mt"]) else lines),
                   "--format", "json", "-o", str(Path(d) / "x.json"), "--no-model"]
            check = peak_rss(cmd)
            check["cmd"] = " ".join(cmd).replace(str(REPO) + "/", "").replace(d, "$TMP")
        rows += [
            (f"`mtqa check --lines` ({a.check_lines} lines) peak RSS, Python process",
             f"{check['python_gb']:.2f} GB (rc {check['rc']}, {check['wall_s']:.0f} s wall)"),
            ("... with its LanguageTool server", f"{check['with_children_gb']:.2f} GB"),
        ]
    head = [
        "# QE speed: pre-change LM pass vs mtqa's (one run, interleaved)", "",
        f"    {command}", "",
        f"{qe.model_id} on {qe.lm.device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs (shared: timings are noisy, both arms alike), "
        f"MLQE-PE ru-en dev lines 1-{len(sents)}.", "",
    ]
    if check:
        head += [f"Check command: `{check['cmd']}`", ""]
    table = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    text = "\n".join(head + table) + "\n"
    if a.out != "-":
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(text, encoding="utf-8")
    print(text)
    if check and check["rc"] != 0:
        print(check["stderr_tail"], file=sys.stderr)


if __name__ == "__main__":
    main()
