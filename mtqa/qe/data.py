"""Readers for the shared evaluation data (../shared/data, read-only) and for the LM-output
caches under the checkout's .cache/qe: what the QE training script (scripts/train_qe.py)
and the benchmarks read.  Here so that both read it from mtqa (neither imports the other);
nothing that checks a document uses it, and it reads only a source checkout's files
(``MTQA_SHARED_DATA`` names another data folder)."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]  # the checkout
DATA = Path(os.environ.get("MTQA_SHARED_DATA") or REPO.parent / "shared" / "data")
CACHE = REPO / ".cache" / "qe"  # git-ignored


def read_lines(p: Path) -> list[str]:
    """The lines of a one-segment-per-line file.  Split on "\\n" only: str.splitlines()
    also breaks at U+2028 etc. and misaligns line-aligned files."""
    text = p.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def read_tsv(p: Path) -> list[dict]:
    """The rows of a TSV file with a header (a quotation mark is text, never TSV quoting)."""
    with p.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def mlqe(lang: str, split: str) -> dict:
    """MLQE-PE into-English: mt, pe, da_z, da_mean, hter (aligned lists/arrays)."""
    d = DATA / "mlqe-pe" / f"{lang}-en" / split
    rows = read_tsv(d / "scores.tsv")
    mt = read_lines(d / "mt.en")
    assert len(mt) == len(rows), (d, len(mt), len(rows))
    return {
        "mt": mt,
        "pe": read_lines(d / "pe.detok.en"),
        "da_z": np.array([float(r["da_z_mean"]) for r in rows]),
        "da_mean": np.array([float(r["da_mean"]) for r in rows]),
        "hter": np.array([float(r["hter"]) for r in rows]),
        "doc_id": [r["doc_id"] for r in rows],
    }


def demetr() -> list[dict]:
    """DEMETR ru-en perturbation rows (pert_name, severity, pert_check, mt_sent, pert_sent)."""
    return read_tsv(DATA / "demetr-ru-en" / "perturbations.tsv")


def wmt22_news_rows() -> tuple[list[str], np.ndarray, np.ndarray]:
    """(mt sentence, raw DA, z DA) for every news-domain row of da_seg_scores.tsv."""
    base = DATA / "wmt22-ru-en"
    domain = {int(r["line"]): r["domain"] for r in read_tsv(base / "segments.tsv")}
    systems = {p.stem: read_lines(p) for p in sorted((base / "mt").glob("*.en"))}
    sents, raw, z = [], [], []
    for r in read_tsv(base / "da_seg_scores.tsv"):
        line = int(r["line"])
        if domain.get(line) != "news":
            continue
        sents.append(systems[r["system"]][line - 1])
        raw.append(float(r["raw"]))
        z.append(float(r["z"]))
    return sents, np.array(raw), np.array(z)


def all_sentences(include_other_langs: bool = True) -> list[str]:
    """Every distinct English sentence the QE training and benchmarks need."""
    seen: dict[str, None] = {}
    langs = ["ru", "ro", "et", "ne", "si"] if include_other_langs else ["ru"]
    for lang in langs:
        for split in ("train", "dev"):
            for s in mlqe(lang, split)["mt"]:
                seen.setdefault(s)
    for r in demetr():
        seen.setdefault(r["mt_sent"])
        seen.setdefault(r["pert_sent"])
    for s in wmt22_news_rows()[0]:
        seen.setdefault(s)
    return list(seen)


def lm_cache() -> dict:
    """sentence -> TokenScores from the token log-prob cache written by qe_extract_lm.py
    (.cache/qe/lm_gpu.npz with its sentence list .cache/qe/lm_gpu_sentences.txt)."""
    from mtqa.qe.lmscore import TokenScores

    sents = (CACHE / "lm_gpu_sentences.txt").read_text(encoding="utf-8").split("\n")[:-1]
    z = np.load(CACHE / "lm_gpu.npz")
    lens, lp, off = z["lengths"], z["logprobs"], z["offsets"]
    assert len(lens) == len(sents)
    starts = np.concatenate([[0], np.cumsum(lens)])
    return {
        s: TokenScores(logprobs=lp[a:b], offsets=off[a:b]) for s, a, b in zip(sents, starts[:-1], starts[1:])
    }


def embedding_cache() -> dict:
    """sentence -> MiniLM embedding (.cache/qe/emb_minilm.npz)."""
    z = np.load(CACHE / "emb_minilm.npz", allow_pickle=True)  # our own cache file
    return dict(zip(z["sentences"].tolist(), z["emb"]))


def hidden_cache() -> dict:
    """sentence -> mean-pooled SmolLM2 layer-15 hidden state (qe_extract_hidden.py's parts)."""
    sents = (CACHE / "hidden_sentences.txt").read_text(encoding="utf-8").split("\n")[:-1]
    out = {}
    for k in range(4):
        z = np.load(CACHE / f"hidden{k}.npz")
        for i, v in zip(z["idx"], z["vec"]):
            out[sents[i]] = v[:576].astype(np.float32)  # layers 15 and 30 saved; keep 15
    return out


def lm_parts(sentences: list[str], layer: int = 15, options: dict | None = None) -> tuple[list, np.ndarray]:
    """Token scores and pooled hidden layer for ``sentences``: from the caches where they
    hold them, else computed here with the LM (slow on CPU).  ``options``: a cheaper pass
    (``mtqa.models.lm.cheap_copy`` arguments), always computed here (the caches hold the
    plain fp32 pass)."""
    from mtqa.models.lm import cheap_copy, load_causal_lm
    from mtqa.qe.lmscore import lm_pass

    if options:
        return lm_pass(cheap_copy("smollm2", **options), sentences, pool_layers=(layer,))
    lmc = lm_cache() if (CACHE / "lm_gpu.npz").exists() else {}
    hc = hidden_cache() if (CACHE / "hidden0.npz").exists() and layer == 15 else {}
    missing = [s for s in dict.fromkeys(sentences) if s not in lmc or s not in hc]
    if missing:
        print(f"computing LM outputs for {len(missing)} uncached sentences on "
              f"{'the GPU' if __import__('torch').cuda.is_available() else 'the CPU'}", flush=True)
        ts, hv = lm_pass(load_causal_lm("smollm2"), missing, pool_layers=(layer,))
        for s, t, h in zip(missing, ts, hv):
            lmc[s], hc[s] = t, h
    return [lmc[s] for s in sentences], np.stack([hc[s] for s in sentences])


def benchmark_figures(score) -> dict:
    """The QE figures of BENCHMARKS.md for ``score(list[str]) -> array`` (0-100): MLQE-PE ru-en
    dev (Pearson and Spearman with da_z, Pearson with HTER), DEMETR ru-en (a damaged sentence
    scored lower than its original; a tie is not lower; the reference "perturbation" is no
    damage and is reported apart) and WMT22 ru-en news (Pearson with crowd DA, raw and z).
    ``wmt22_scores`` holds the news row scores, for ``benchmarks/wmt22_ceiling.py``."""
    from collections import defaultdict

    from scipy.stats import pearsonr, spearmanr

    res: dict = {}
    dv = mlqe("ru", "dev")
    s = np.asarray(score(dv["mt"]))
    res["mlqe_ru_dev"] = {
        "n": len(s),
        "pearson_da_z": pearsonr(s, dv["da_z"])[0],
        "spearman_da_z": spearmanr(s, dv["da_z"])[0],
        "pearson_hter": pearsonr(s, dv["hter"])[0],
        "mean_score": float(s.mean()),
        "mean_da": float(dv["da_mean"].mean()),
    }
    rows = [r for r in demetr() if r["pert_check"] == "true"]
    a_s = score([r["mt_sent"] for r in rows])
    b_s = score([r["pert_sent"] for r in rows])
    by_sev, by_name = defaultdict(list), defaultdict(list)
    ties = 0
    for r, x, y in zip(rows, a_s, b_s):
        by_name[r["pert_name"]].append(x > y)
        if r["pert_name"] != "base_id35_reference":
            by_sev[r["severity"]].append(x > y)
            ties += int(x == y)
    dmg = [v for vs in by_sev.values() for v in vs]
    res["demetr"] = {
        "pairs": len(dmg),
        "damaged_lower": float(np.mean(dmg)),
        "ties": ties,
        "by_severity": {k: float(np.mean(v)) for k, v in sorted(by_sev.items())},
        "reference_lower_than_mt": float(np.mean(by_name["base_id35_reference"])),
        "by_perturbation": {k: round(float(np.mean(v)), 3) for k, v in sorted(by_name.items())},
    }
    sents, raw, z = wmt22_news_rows()
    w = np.asarray(score(sents))
    res["wmt22_news"] = {
        "rows": len(w),
        "pearson_raw": pearsonr(w, raw)[0],
        "pearson_z": pearsonr(w, z)[0],
        "spearman_raw": spearmanr(w, raw)[0],
    }
    res["wmt22_scores"] = w
    return res
