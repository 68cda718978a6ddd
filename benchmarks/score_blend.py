"""Which sentence score should mtqa use?  QE alone, the rule/LanguageTool MQM score alone,
or a blend of the two -- measured on MLQE-PE ru-en dev, DEMETR ru-en and WMT22 ru-en news.

    nice .venv/bin/python benchmarks/score_blend.py [--no-train] [--json out.json]

Candidate scores per sentence (P = penalty of its findings, W = its words):
  A  QE                          (the learned estimate, mtqa.qe, from the LM cache .cache/qe)
  B  MQM = max(0, 100 - 100 P / max(W, 10))        (mtqa.score.mqm_score)
  C  max(0, QE - 100 P / max(W, 10))
  D  QE * MQM / 100
  E  max(0, QE - w * 100 P / max(W, 10)), w chosen on MLQE-PE ru-en *train* (Pearson with
     da_z_mean), never on dev (skipped with --no-train)
each with findings from rules + LanguageTool and from the rules only.

Findings are computed once per file (one LanguageTool call on the whole file's text, lines
joined by "\\n", mapped back to lines by offsets) and cached as JSON in .cache/blend/,
keyed by the sentences, the rule-set hash and the LanguageTool version; reruns are fast.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mtqa.qe.data import DATA, demetr, lm_parts, mlqe, read_lines, read_tsv, wmt22_news_rows  # noqa: E402
from mtqa.qe.model import QualityEstimator  # noqa: E402
from mtqa.checks.rules import run_rules, ruleset_hash  # noqa: E402
from mtqa.score import MIN_WORDS, word_count  # noqa: E402
from mtqa.segment import segment_text  # noqa: E402

BLEND = REPO / ".cache" / "blend"  # git-ignored (.cache/)
W_GRID = [round(x, 2) for x in np.arange(0.0, 3.01, 0.05)]


def _key(sents: list[str], tag: str) -> str:
    h = hashlib.sha256(tag.encode())
    for s in sents:
        h.update(s.encode() + b"\x00")
    return h.hexdigest()[:16]


def _text(sents: list[str]) -> tuple[str, list[int]]:
    """One line per sentence (line breaks inside a sentence become spaces: same length,
    so offsets stay put); the start offset of every line."""
    clean = [s.replace("\r", " ").replace("\n", " ").replace("\u2028", " ").replace("\u2029", " ")
             .replace("\x0b", " ").replace("\x0c", " ").replace("\x1c", " ").replace("\x1d", " ")
             .replace("\x1e", " ").replace("\x85", " ") for s in sents]
    starts, pos = [], 0
    for s in clean:
        starts.append(pos)
        pos += len(s) + 1
    return "\n".join(clean), starts


def _per_line(findings, sents: list[str], starts: list[int]) -> list[list]:
    """[[start, end, category, weight, rule_id], ...] per line, offsets relative to the line;
    findings not inside one line are dropped (as the pipeline drops those outside sentences)."""
    out: list[list] = [[] for _ in sents]
    for f in findings:
        i = bisect_right(starts, f.start) - 1
        if i < 0 or f.end > starts[i] + len(sents[i]):
            continue
        out[i].append([f.start - starts[i], f.end - starts[i], f.category.value, f.severity.weight, f.rule_id])
    return out


class Findings:
    """Rule and LanguageTool findings per line of named 'files', cached in .cache/blend/."""

    def __init__(self) -> None:
        BLEND.mkdir(parents=True, exist_ok=True)
        self.rules_tag = "rules:" + ruleset_hash()
        self.lt_tag = "lt:" + (REPO / "lt" / "VERSION").read_text().strip() if (REPO / "lt" / "VERSION").exists() else "lt:?"
        self._stack = contextlib.ExitStack()
        self._lt = None
        self.lt_seconds = 0.0
        self.lt_sentences = 0

    def close(self) -> None:
        self._stack.close()

    def _load(self, path: Path, key: str):
        if path.exists():
            d = json.loads(path.read_text(encoding="utf-8"))
            if d.get("key") == key:
                return d["lines"]
        return None

    def get(self, name: str, sents: list[str]) -> tuple[list[list], list[list]]:
        text, starts = _text(sents)
        rp, lp = BLEND / f"{name}.rules.json", BLEND / f"{name}.lt.json"
        rk, lk = _key(sents, self.rules_tag), _key(sents, self.lt_tag)
        rules = self._load(rp, rk)
        if rules is None:
            segs = segment_text(text, lines=True)
            assert len(segs) == len(sents), (name, len(segs), len(sents))
            rules = _per_line(run_rules(text, segs), sents, starts)
            rp.write_text(json.dumps({"key": rk, "lines": rules}), encoding="utf-8")
        lt = self._load(lp, lk)
        if lt is None:
            if self._lt is None:
                from mtqa.checks.languagetool import open_languagetool

                self._lt = self._stack.enter_context(open_languagetool())
            t = time.time()
            lt = _per_line(self._lt.check(text), sents, starts)
            self.lt_seconds += time.time() - t
            self.lt_sentences += len(sents)
            print(f"  LanguageTool {name}: {len(sents)} sentences in {time.time() - t:.0f} s", file=sys.stderr, flush=True)
            lp.write_text(json.dumps({"key": lk, "lines": lt}), encoding="utf-8")
        return rules, lt


FINDING_SETS = {  # name -> (use LanguageTool, keep LanguageTool spelling findings)
    "rules+LT": (True, True),
    "rules": (False, False),
    "rules+LT-spelling": (True, False),  # diagnostic: LanguageTool without its spelling rules
}


def penalties(rules: list[list], lt: list[list], with_lt: bool, lt_spelling: bool = True) -> np.ndarray:
    """Sum of severity weights per line; the same (span, category) counts once (scoring.penalty)."""
    out = []
    for r, l in zip(rules, lt):
        if not lt_spelling:
            l = [f for f in l if f[2] != "spelling"]
        seen, total = set(), 0.0
        for f in (r + l) if with_lt else r:
            k = (f[0], f[1], f[2])
            if k not in seen:
                seen.add(k)
                total += f[3]
        out.append(total)
    return np.array(out)


def candidates(qe: np.ndarray, pen: np.ndarray, words: np.ndarray, w_e: float | None) -> dict:
    rate = 100.0 * pen / np.maximum(words, MIN_WORDS)
    mqm = np.maximum(0.0, 100.0 - rate)
    out = {
        "A QE": qe,
        "B MQM": mqm,
        "C QE-pen": np.maximum(0.0, qe - rate),
        "D QE*MQM": qe * mqm / 100.0,
    }
    if w_e is not None:
        out[f"E QE-{w_e:g}*pen"] = np.maximum(0.0, qe - w_e * rate)
    return out


def demetr_pairs() -> list[dict]:
    return [r for r in demetr() if r["pert_check"] == "true" and r["pert_name"] != "base_id35_reference"]


def wmt22_parts() -> tuple[dict, list[tuple[str, int]], np.ndarray, np.ndarray]:
    """Per system, its news lines (in file order); the (system, line) of every news DA row."""
    base = DATA / "wmt22-ru-en"
    news = sorted(int(r["line"]) for r in read_tsv(base / "segments.tsv") if r["domain"] == "news")
    systems = {p.stem: read_lines(p) for p in sorted((base / "mt").glob("*.en"))}
    per_sys = {k: {ln: v[ln - 1] for ln in news} for k, v in systems.items()}
    newsset = set(news)
    keys, raw, z = [], [], []
    for r in read_tsv(base / "da_seg_scores.tsv"):
        if int(r["line"]) in newsset:
            keys.append((r["system"], int(r["line"])))
            raw.append(float(r["raw"]))
            z.append(float(r["z"]))
    return per_sys, keys, np.array(raw), np.array(z)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-train", action="store_true", help="skip E (no MLQE-PE train findings)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    qe_model = QualityEstimator.load(a.model)

    def qe_scores(sents: list[str]) -> np.ndarray:
        ts, hid = lm_parts(sents, qe_model.layer)
        return np.array(qe_model.linear.score_parts(sents, ts, hid))

    F = Findings()
    data: dict = {}  # name -> (sentences, qe, rules, lt)
    try:
        t0 = time.time()
        dv = mlqe("ru", "dev")
        data["dev"] = (dv["mt"], *F.get("mlqe_ru_dev", dv["mt"]))
        if not a.no_train:
            tr = mlqe("ru", "train")
            data["train"] = (tr["mt"], *F.get("mlqe_ru_train", tr["mt"]))
        pairs = demetr_pairs()
        dsents = list(dict.fromkeys([r["mt_sent"] for r in pairs] + [r["pert_sent"] for r in pairs]))
        data["demetr"] = (dsents, *F.get("demetr_ru_en", dsents))
        per_sys, wkeys, wraw, wz = wmt22_parts()
        wfind = {}
        for sysname, lines in per_sys.items():
            ss = list(lines.values())
            r, l = F.get(f"wmt22_news_{sysname}", ss)
            wfind[sysname] = {ln: (s, rr, ll) for ln, s, rr, ll in zip(lines, ss, r, l)}
        print(f"findings ready in {time.time() - t0:.0f} s (LanguageTool ran on {F.lt_sentences} "
              f"sentences in {F.lt_seconds:.0f} s)", file=sys.stderr, flush=True)
    finally:
        F.close()

    # WMT22 rows, checked against mtqa.qe.data's own row list
    wsents = [wfind[s][ln][0] for s, ln in wkeys]
    ref_sents, ref_raw, _ = wmt22_news_rows()
    assert wsents == ref_sents and np.allclose(wraw, ref_raw)
    data["wmt22"] = (wsents, [wfind[s][ln][1] for s, ln in wkeys], [wfind[s][ln][2] for s, ln in wkeys])

    res: dict = {"qe_model": qe_model.model_id, "rules": F.rules_tag, "languagetool": F.lt_tag, "sets": {}}
    stats = {}
    qe = {}
    for name, (sents, rules, lt) in data.items():
        qe[name] = qe_scores(sents)
        words = np.array([word_count(s) for s in sents])
        stats[name] = {"n": len(sents), "words": words}
        for tag, (with_lt, spell) in FINDING_SETS.items():
            stats[name][tag] = penalties(rules, lt, with_lt, spell)
        res.setdefault("coverage", {})[name] = {
            "n": len(sents),
            "flagged_rules+LT": float(np.mean(stats[name]["rules+LT"] > 0)),
            "flagged_rules": float(np.mean(stats[name]["rules"] > 0)),
            "mean_penalty_rules+LT": float(stats[name]["rules+LT"].mean()),
            "mean_penalty_rules": float(stats[name]["rules"].mean()),
            "flagged_rules+LT-spelling": float(np.mean(stats[name]["rules+LT-spelling"] > 0)),
            # does a finding mark a worse sentence?  Pearson of the penalty rate with the target
        }
        rate = 100.0 * stats[name]["rules+LT"] / np.maximum(words, MIN_WORDS)
        res["coverage"][name]["rate_qe_pearson"] = float(pearsonr(rate, qe[name])[0])

    dindex = {s: i for i, s in enumerate(data["demetr"][0])}
    ia = np.array([dindex[r["mt_sent"]] for r in pairs])
    ib = np.array([dindex[r["pert_sent"]] for r in pairs])
    sev = np.array([r["severity"] for r in pairs])

    for tag in FINDING_SETS:
        w_e = None
        if "train" in data:
            tr_y = mlqe("ru", "train")
            grid = {}
            for w in W_GRID:
                rate = 100.0 * stats["train"][tag] / np.maximum(stats["train"]["words"], MIN_WORDS)
                grid[w] = pearsonr(np.maximum(0.0, qe["train"] - w * rate), tr_y["da_z"])[0]
            w_e = max(grid, key=grid.get)
            res.setdefault("train_w", {})[tag] = {"w": w_e, "train_pearson_da_z": grid[w_e],
                                                  "train_pearson_w0": grid[0.0],
                                                  "grid": {str(k): round(v, 4) for k, v in grid.items()}}
            # train figures for all candidates, to show what E was chosen against
            for cname, sc in candidates(qe["train"], stats["train"][tag], stats["train"]["words"], w_e).items():
                res["sets"].setdefault(f"{tag} | {cname}", {})["train_pearson_da_z"] = pearsonr(sc, tr_y["da_z"])[0]
        for name in ("dev", "demetr", "wmt22"):
            cs = candidates(qe[name], stats[name][tag], stats[name]["words"], w_e)
            for cname, sc in cs.items():
                row = res["sets"].setdefault(f"{tag} | {cname}", {})
                if name == "dev":
                    row["dev_pearson_da_z"] = pearsonr(sc, dv["da_z"])[0]
                    row["dev_spearman_da_z"] = spearmanr(sc, dv["da_z"])[0]
                    row["dev_pearson_hter"] = pearsonr(sc, dv["hter"])[0]
                    if cname == "C QE-pen":  # diagnostic only: the weight is never chosen on dev
                        rate = 100.0 * stats[name][tag] / np.maximum(stats[name]["words"], MIN_WORDS)
                        res.setdefault("dev_w_curve", {})[tag] = {
                            str(w): round(float(pearsonr(np.maximum(0.0, qe[name] - w * rate), dv["da_z"])[0]), 4)
                            for w in (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)}
                elif name == "demetr":
                    x, y = sc[ia], sc[ib]
                    row["demetr_pairs"] = len(x)
                    row["demetr_lower"] = float(np.mean(y < x))
                    row["demetr_ties"] = float(np.mean(y == x))
                    row["demetr_higher"] = float(np.mean(y > x))
                    row["demetr_by_severity"] = {s: float(np.mean(y[sev == s] < x[sev == s])) for s in sorted(set(sev))}
                else:
                    row["wmt22_rows"] = len(sc)
                    row["wmt22_pearson_raw"] = pearsonr(sc, wraw)[0]
                    row["wmt22_pearson_z"] = pearsonr(sc, wz)[0]
                    row["wmt22_spearman_raw"] = spearmanr(sc, wraw)[0]

    # print a Markdown table
    print(f"QE model {res['qe_model']}, {res['rules']}, {res['languagetool']}\n")
    print("| findings | score | dev r(da_z) | dev ρ(da_z) | dev r(hter) | DEMETR lower | DEMETR ties | "
          "DEMETR higher | DEMETR minor/major/critical/base | WMT22 r(raw) | WMT22 r(z) | train r(da_z) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    seen_a = False
    for key, row in res["sets"].items():
        tag, cname = key.split(" | ")
        if cname == "A QE":
            if seen_a:
                continue
            seen_a, tag = True, "—"
        bs = row["demetr_by_severity"]
        sv = "/".join(f"{100 * bs[k]:.1f}" for k in ("minor", "major", "critical", "base") if k in bs)
        tr = f"{row['train_pearson_da_z']:.3f}" if "train_pearson_da_z" in row else "—"
        print(f"| {tag} | {cname} | {row['dev_pearson_da_z']:.3f} | {row['dev_spearman_da_z']:.3f} | "
              f"{row['dev_pearson_hter']:.3f} | {100 * row['demetr_lower']:.1f}% | {100 * row['demetr_ties']:.1f}% | "
              f"{100 * row['demetr_higher']:.1f}% | {sv} | {row['wmt22_pearson_raw']:.3f} | {row['wmt22_pearson_z']:.3f} | {tr} |")
    print("\nCoverage (share of sentences with ≥1 finding; mean penalty):")
    for name, c in res["coverage"].items():
        print(f"- {name} ({c['n']}): rules+LT {100 * c['flagged_rules+LT']:.1f}% (mean P {c['mean_penalty_rules+LT']:.2f}), "
              f"rules {100 * c['flagged_rules']:.1f}% (mean P {c['mean_penalty_rules']:.2f})")
    for name, c in res["coverage"].items():
        print(f"- {name}: rules+LT-spelling flags {100 * c['flagged_rules+LT-spelling']:.1f}%; "
              f"Pearson(penalty rate rules+LT, QE) = {c['rate_qe_pearson']:.3f}")
    for tag, cur in res.get("dev_w_curve", {}).items():
        print(f"- dev Pearson(da_z) of max(0, QE - w*rate), {tag} (diagnostic, not used to choose w): {cur}")
    if "train_w" in res:
        for tag, t in res["train_w"].items():
            print(f"- E weight ({tag}): w = {t['w']:g} (train Pearson {t['train_pearson_da_z']:.4f} vs "
                  f"{t['train_pearson_w0']:.4f} at w = 0)")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
