#!/usr/bin/env python3
"""A cheaper LM pass for the quality estimate, refitted and judged by the BENCHMARKS.md
protocol (issue: mtqa serve, "speed of the heavy parts").

The QE pass is one SmolLM2-135M forward pass per sentence: about 3.5x LanguageTool's own
time on WMT22 news.  Each cheaper pass gets the shipped model's recipe refitted on its own
outputs (``mtqa.qe.train.model_spec``: ridge, alpha 3000, form_min 0.05, MLQE-PE ru-en
train only; nothing fitted on dev, DEMETR or WMT22).  A pass is named by its parts
(``mtqa.qe.train.parse_variant``), e.g.:

- ``fp32``: the shipped pass;
- ``v4096``: a token's log-prob normalized over the 4096 commonest vocabulary ids and the
  token (``mtqa.models.lm.cheap_copy(shortlist=...)``), not all 49k;
- ``int8``: the 30 decoder layers' linear layers in int8, each token's input quantized by
  its own range (``mtqa.models.lm.row_int8``: batch-invariant, unlike torch's dynamic
  quantization); ``sq``: with SmoothQuant scaling calibrated on 500 ru-en train lines;
  ``int8h``: the output layer in int8 too;
- ``lN``: only the first N layers, log-probs through the final norm and output layer
  ("logit lens"; the pooled hidden layer is then min(15, N)).

    .venv/bin/python benchmarks/qe_fast.py extract --variant int8-sq-v4096   # resumable, .cache/qe/fast-*
    .venv/bin/python benchmarks/qe_fast.py eval --variant int8-sq-v4096 --out benchmarks/results/qe_fast.md
    .venv/bin/python benchmarks/qe_fast.py speed --n 300 --variants fp32,v4096,int8-sq-v4096
    .venv/bin/python benchmarks/qe_fast.py articles --old OLD/models/qe --n 40   # the QE stage, old vs shipped
    .venv/bin/python benchmarks/qe_fast.py agree --old OLD/models/qe   # how far the predictions moved

Data: MLQE-PE (CC0), DEMETR (MIT), WMT22 (research use); ../shared/data/README.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtqa.qe.data import CACHE, benchmark_figures, demetr, mlqe, wmt22_news_rows  # noqa: E402
from mtqa.qe.lmscore import TokenScores, lm_pass  # noqa: E402
from mtqa.qe.model import pass_options  # noqa: E402
from mtqa.qe.train import LAYER, model_spec, parse_variant, write_smoothing  # noqa: E402

CHUNK = 500


def hidden_layer(variant: str) -> int:
    return min(LAYER, parse_variant(variant).get("lm_layers") or LAYER)


def build(variant: str):
    """The LM pass of ``variant`` (``mtqa.models.lm.cheap_copy``; the shared LM untouched)."""
    from mtqa.models.lm import cheap_copy

    keys = parse_variant(variant)
    if keys.get("lm_smoothing") and not (CACHE / keys["lm_smoothing"]).exists():
        write_smoothing(CACHE / keys["lm_smoothing"])
    return cheap_copy("smollm2", **pass_options(keys, CACHE))


def sentence_set() -> list[str]:
    seen: dict[str, None] = {}
    for split in ("train", "dev"):
        for s in mlqe("ru", split)["mt"]:
            seen.setdefault(s)
    for r in demetr():
        if r["pert_check"] == "true":
            seen.setdefault(r["mt_sent"])
            seen.setdefault(r["pert_sent"])
    for s in wmt22_news_rows()[0]:
        seen.setdefault(s)
    return list(seen)


def folder(variant: str) -> Path:
    return CACHE / f"fast-{variant}"


def extract(variant: str, limit: int | None) -> None:
    import torch

    torch.set_num_threads(2)
    sents = sentence_set()[:limit]
    d = folder(variant)
    d.mkdir(parents=True, exist_ok=True)
    lm = build(variant)
    t_all, n_all = 0.0, 0
    for k in range(0, len(sents), CHUNK):
        p = d / f"part{k // CHUNK:03d}.npz"
        if p.exists():
            continue
        part = sents[k:k + CHUNK]
        t0 = time.time()
        scores, hidden = lm_pass(lm, part, pool_layers=(hidden_layer(variant),))
        dt = time.time() - t0
        t_all, n_all = t_all + dt, n_all + len(part)
        lens = np.array([len(t.logprobs) for t in scores])
        tmp = p.with_suffix(".tmp.npz")
        np.savez(tmp, sentences=np.array(part, dtype=object), lengths=lens,
                 logprobs=np.concatenate([t.logprobs for t in scores]),
                 offsets=np.concatenate([t.offsets for t in scores]).reshape(-1, 2), hidden=hidden)
        tmp.replace(p)
        print(f"{variant}: {k + len(part)}/{len(sents)} ({len(part) / dt:.1f} sentences/s)", flush=True)
    if n_all:
        print(f"{variant}: {n_all} sentences in {t_all:.0f}s, {n_all / t_all:.2f}/s", flush=True)


def load_parts(variant: str) -> tuple[dict, dict]:
    scores, hidden = {}, {}
    for p in sorted(folder(variant).glob("part*.npz")):
        if ".tmp" in p.name:
            continue
        z = np.load(p, allow_pickle=True)  # our own cache file
        starts = np.concatenate([[0], np.cumsum(z["lengths"])])
        for i, s in enumerate(z["sentences"].tolist()):
            a, b = starts[i], starts[i + 1]
            scores[s] = TokenScores(logprobs=z["logprobs"][a:b], offsets=z["offsets"][a:b])
            hidden[s] = z["hidden"][i]
    return scores, hidden


def fit(variant: str, scores: dict, hidden: dict, alpha: float = 3000.0, form_min: float = 0.05) -> dict:
    """The shipped model's recipe (``mtqa.qe.train.model_spec``, as scripts/train_qe.py)
    on this variant's outputs."""
    from mtqa.qe.features import feature_matrix

    tr = mlqe("ru", "train")
    X = np.hstack([feature_matrix(tr["mt"], [scores[s] for s in tr["mt"]]),
                   np.stack([hidden[s] for s in tr["mt"]])])
    return model_spec(X, tr["da_z"], tr["da_mean"], alpha=alpha, form_min=form_min,
                      name=f"smollm2-{variant}-ridge-v1", hidden_layer=hidden_layer(variant),
                      options=parse_variant(variant), data="MLQE-PE ru-en train (7000 sentences)",
                      command=f"python benchmarks/qe_fast.py eval --variant {variant}")


def figures(variant: str) -> tuple[dict, dict]:
    """(benchmark figures, fitted model file) of one extracted variant."""
    from mtqa.qe.model import LinearQE

    scores, hidden = load_parts(variant)
    missing = [s for s in sentence_set() if s not in scores]
    if missing:
        sys.exit(f"{len(missing)} sentences not extracted yet: run `extract --variant {variant}` first")
    spec = fit(variant, scores, hidden)
    lin = LinearQE(spec)

    def score(sents):
        return np.asarray(lin.score_parts(sents, [scores[s] for s in sents], np.stack([hidden[s] for s in sents])))

    return benchmark_figures(score), spec


def evaluate(variants: list[str], out: str | None) -> None:
    """One table, a column per variant."""
    rows = {k: [] for k in ("MLQE-PE ru-en dev Pearson da_z", "dev Spearman da_z", "dev Pearson HTER",
                            "DEMETR damaged scored lower", "DEMETR critical / major / minor",
                            "WMT22 news Pearson raw / z", "train Pearson")}
    for v in variants:
        f, spec = figures(v)
        m, d, w = f["mlqe_ru_dev"], f["demetr"], f["wmt22_news"]
        sev = d["by_severity"]
        for k, val in zip(rows, (f"{m['pearson_da_z']:.3f}", f"{m['spearman_da_z']:.3f}", f"{m['pearson_hter']:.3f}",
                                 f"{d['damaged_lower']:.1%} of {d['pairs']} (ties {d['ties']})",
                                 " / ".join(f"{sev[k]:.1%}" for k in ("critical", "major", "minor")),
                                 f"{w['pearson_raw']:.3f} / {w['pearson_z']:.3f}",
                                 f"{spec['training']['train_pearson']}")):
            rows[k].append(val)
    lines = ["# QE with cheaper LM passes, each refitted on MLQE-PE ru-en train", "",
             f"`python benchmarks/qe_fast.py eval --variant {','.join(variants)}` ({time.strftime('%Y-%m-%d')})", "",
             "| measure | " + " | ".join(f"`{v}`" for v in variants) + " |",
             "|---|" + "---|" * len(variants)]
    lines += [f"| {k} | " + " | ".join(vals) + " |" for k, vals in rows.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        Path(out).write_text(text, encoding="utf-8")


def speed(n: int, variants: list[str], rounds: int, out: str | None) -> None:
    """sentences/s of each variant's pass on the first ``n`` ru-en dev lines, the variants
    interleaved round by round in one process."""
    import torch

    torch.set_num_threads(2)
    sents = mlqe("ru", "dev")["mt"][:n]
    lms = {v: build(v) for v in variants}
    for v in variants:  # warm-up
        lm_pass(lms[v], sents[:20], pool_layers=(hidden_layer(v),))
    t = {v: [] for v in variants}
    for r in range(rounds):
        for v in (variants if r % 2 == 0 else variants[::-1]):
            t0 = time.time()
            lm_pass(lms[v], sents, pool_layers=(hidden_layer(v),))
            t[v].append(time.time() - t0)
    base = sorted(t[variants[0]])[len(t[variants[0]]) // 2]
    lines = [f"# QE LM pass speed, {n} MLQE-PE ru-en dev lines, 2 threads, {rounds} rounds interleaved", "",
             f"`python benchmarks/qe_fast.py speed --n {n} --rounds {rounds}` ({time.strftime('%Y-%m-%d')})", "",
             "| variant | median s | sentences/s | × fp32 speed |", "|---|---|---|---|"]
    for v in variants:
        med = sorted(t[v])[len(t[v]) // 2]
        lines.append(f"| {v} | {med:.2f} | {n / med:.1f} | {base / med:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        Path(out).write_text(text, encoding="utf-8")


def articles(old: str, n: int, out: str | None) -> None:
    """The QE stage alone on the first ``n`` WMT22 news articles (Online-B), as a warm
    service runs it (memo on, one article per call): the model in ``old`` against the
    shipped one, article by article in alternating order, in one process."""
    import tempfile

    import torch

    from mtqa.evaluate.datasets import write_articles
    from mtqa.qe.model import QualityEstimator
    from mtqa.segment import segment_text, sentences

    news = Path(__file__).resolve().parents[2] / "shared" / "data" / "wmt22-ru-en" / "news"
    with tempfile.TemporaryDirectory() as d:
        files = write_articles(news / "mt" / "Online-B.en", news / "segments.tsv", Path(d), limit=n)
        docs = [[s.text for s in sentences(segment_text(p.read_text(encoding="utf-8")))] for p in files]
    models = {"old": QualityEstimator.load(old, memo=20000), "shipped": QualityEstimator.load(memo=20000)}
    for q in models.values():
        q.score(["A warm-up sentence."])
    secs = dict.fromkeys(models, 0.0)
    for i, doc in enumerate(docs):
        for name in (list(models) if i % 2 == 0 else list(models)[::-1]):
            t0 = time.perf_counter()
            models[name].score(doc)
            secs[name] += time.perf_counter() - t0
    text = (f"# The QE stage on {len(docs)} WMT22 news articles ({sum(map(len, docs))} sentences), "
            f"{torch.get_num_threads()} threads, alternating\n\n"
            f"`python benchmarks/qe_fast.py articles --old {old} --n {n}` ({time.strftime('%Y-%m-%d')})\n\n"
            "| model | seconds | × shipped speed |\n|---|---|---|\n"
            + "".join(f"| {k} (`{models[k].model_id}`) | {v:.1f} | {v / secs['shipped']:.2f} |\n" for k, v in secs.items()))
    print(text)
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write("\n" + text)


def agree(old: str, out: str | None) -> None:
    """How far the shipped model's predictions (DA z units) are from those of the model in
    ``old`` on the 1000 MLQE-PE ru-en dev lines: what the source-aware combination
    (``models/qe/source.json``, fitted on one English-only model's predictions) sees change."""
    from mtqa.qe.features import feature_matrix
    from mtqa.qe.model import QualityEstimator

    sents = mlqe("ru", "dev")["mt"]
    pred = {}
    for name, path in (("old", old), ("shipped", None)):
        q = QualityEstimator.load(path, with_source=False)
        ts, hid = lm_pass(q.lm, sents, pool_layers=(q.layer,))
        pred[name] = q.linear.predict(feature_matrix(sents, ts), hid)
    a, b = pred["old"], pred["shipped"]
    text = (f"\n`python benchmarks/qe_fast.py agree --old {old}` ({time.strftime('%Y-%m-%d')}): the English-only "
            f"predictions on ru-en dev ({len(a)} lines), old against shipped: Pearson {np.corrcoef(a, b)[0, 1]:.4f}, "
            f"mean absolute difference {np.abs(a - b).mean():.3f} z units (s.d. {a.std():.3f} and {b.std():.3f}).\n")
    print(text)
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("extract", "eval", "speed", "articles", "agree"))
    ap.add_argument("--old", help="articles: the model folder to compare with the shipped one")
    ap.add_argument("--variant", default="int8-sq-v4096", help="for eval: several, comma-separated")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", default="fp32,int8,int8-l15,l15")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.cmd == "extract":
        extract(a.variant, a.limit)
    elif a.cmd == "eval":
        evaluate(a.variant.split(","), a.out)
    elif a.cmd == "speed":
        speed(a.n, a.variants.split(","), a.rounds, a.out)
    elif a.cmd == "articles":
        articles(a.old, a.n, a.out)
    else:
        agree(a.old, a.out)


if __name__ == "__main__":
    main()
