"""`mtqa eval`: agreement of mtqa's sentence scores with human scores (qe), and corpus
BLEU/chrF/TER of raw MT vs post-edited output against references (ape), with sacrebleu's
paired bootstrap test and metric signatures."""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Optional, Sequence

from mtqa.errors import InputError


def read_lines(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read as UTF-8 ({exc})") from None
    # "\n" only: str.splitlines() also breaks at U+2028 and would misalign parallel files
    return text[:-1].split("\n") if text.endswith("\n") else (text.split("\n") if text else [])


def read_scores(path: str | Path, column: str = "da_z_mean") -> list[float]:
    """A TSV with a header (MLQE-PE scores.tsv) read at ``column``, or one number per line."""
    lines = read_lines(path)
    try:
        if lines and "\t" in lines[0]:
            rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
            if column not in rows[0]:
                raise InputError(f"{path}: no column {column!r} (has {', '.join(rows[0])})")
            return [float(r[column]) for r in rows]
        return [float(x) for x in lines]
    except ValueError as exc:
        raise InputError(f"{path}: not a number: {exc}") from None


def _same_length(named: dict[str, list]) -> None:
    lens = {k: len(v) for k, v in named.items()}
    if len(set(lens.values())) > 1:
        raise InputError("line counts differ: " + ", ".join(f"{k} {n}" for k, n in lens.items()))


def correlate(pred: Sequence[float], gold: Sequence[float]) -> dict:
    from scipy.stats import pearsonr, spearmanr

    if len(pred) < 3:
        raise InputError("need at least 3 scored lines to correlate")
    return {"n": len(pred), "pearson": float(pearsonr(pred, gold)[0]), "spearman": float(spearmanr(pred, gold)[0])}


def eval_qe(mt: list[str], gold: list[float], scorer) -> dict:
    """``scorer(list[str]) -> list[float]`` (0-100) against human ``gold`` scores."""
    _same_length({"mt": mt, "scores": gold})
    return {"task": "qe", **correlate(list(scorer(mt)), gold)}


def _metrics():
    from sacrebleu.metrics import BLEU, CHRF, TER

    return {"BLEU": BLEU(), "chrF": CHRF(), "TER": TER()}


def eval_ape(mt: list[str], refs: list[list[str]], hyp: Optional[list[str]] = None, n_bootstrap: int = 1000) -> dict:
    """Corpus BLEU/chrF/TER of the raw MT and (if given) the post-edited output; with
    both, the deltas and sacrebleu's paired bootstrap p-values (hyp vs mt baseline)."""
    named = {"mt": mt, **{f"ref{i + 1}": r for i, r in enumerate(refs)}}
    if hyp is not None:
        named["hyp"] = hyp
    _same_length(named)
    if not refs:
        raise InputError("give at least one --ref")
    out: dict = {"task": "ape", "n": len(mt), "metrics": {}}
    for name, metric in _metrics().items():
        raw = metric.corpus_score(mt, refs)
        row = {"mt": raw.score, "signature": str(metric.get_signature())}
        if hyp is not None:
            row["hyp"] = metric.corpus_score(hyp, refs).score
            row["delta"] = row["hyp"] - row["mt"]
        out["metrics"][name] = row
    if hyp is not None and hyp != mt:
        out["metrics"] = _paired_bs(mt, hyp, refs, out["metrics"], n_bootstrap)
    return out


def _paired_bs(mt, hyp, refs, rows: dict, n: int) -> dict:
    from sacrebleu.significance import PairedTest

    metrics = _metrics()
    test = PairedTest([("mt", mt), ("hyp", hyp)], metrics, references=refs, test_type="bs", n_samples=n)
    _, results = test()
    # results: "System" first, then one list per metric in our order (keys renamed: chrF2)
    for name, key in zip(metrics, [k for k in results if k != "System"]):
        r = results[key][1]  # [0] is the baseline (raw MT)
        rows[name]["p_value"] = float(r.p_value) if r.p_value is not None else None
        rows[name]["bootstrap"] = f"paired bs, n={n}, baseline mt"
    return rows


def docs_text(lines: list[str], segments_tsv: str | Path) -> list[tuple[str, str, list[int]]]:
    """(doc_id, article text, line indices): whole documents from a segments.tsv, each
    segment one paragraph, so document-level checks see the article."""
    from mtqa.evaluate.datasets import group_documents, read_segments_tsv

    out = []
    for doc_id, idx in group_documents(lines, read_segments_tsv(segments_tsv)).items():
        out.append((doc_id, "\n\n".join(lines[i] for i in idx) + "\n", idx))
    return out


def tag_spans(line: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Character span in ``line`` (detokenized) of each token of its tokenized form: how a
    word-tagged corpus (MLQE-PE ``mt.tok.en`` + ``tags``) is laid over the text mtqa reads."""
    spans, pos = [], 0
    for t in tokens:
        t = html.unescape(t)
        k = line.find(t, pos)
        if k < 0 or line[pos:k].strip():  # the tokenizer changed the characters: best effort
            k = pos
            while k < len(line) and line[k].isspace():
                k += 1
            spans.append((k, min(len(line), k + len(t))))
        else:
            spans.append((k, k + len(t)))
        pos = spans[-1][1]
    return spans


def touches_bad(start: int, end: int, spans: list[tuple[int, int]], tags: list[str]) -> bool:
    """Whether the character span [start, end) touches a word the post-editor changed: a BAD
    token inside it, or a BAD gap next to one of its tokens (a span between tokens: the gap
    it lies in).  ``tags``: gap, token, gap, ..., token, gap (2n + 1), MLQE-PE's layout."""
    gaps, toks = tags[0::2], tags[1::2]
    hit = [i for i, (s, e) in enumerate(spans) if s < end and start < e]
    if not hit:  # a span between tokens: the gap it is in
        i = next((k for k, (s, _) in enumerate(spans) if s >= end), len(spans))
        return gaps[i] == "BAD" or (i > 0 and toks[i - 1] == "BAD") or (i < len(toks) and toks[i] == "BAD")
    return any(toks[i] == "BAD" or gaps[i] == "BAD" or gaps[i + 1] == "BAD" for i in hit)
