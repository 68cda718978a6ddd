#!/usr/bin/env python3
"""`mtqa fix` on MLQE-PE ru-en dev (CC0): raw MT vs mtqa's output, both scored against
the human post-edits.

    .venv/bin/python benchmarks/ape_mlqe.py [--limit N] [--spec SPEC] [--out FILE]
    .venv/bin/python benchmarks/ape_mlqe.py --no-model --data ../shared/data/mlqe-pe/ru-en/train --limit 3000

Runs the real pipeline as `mtqa fix` does (`mtqa.run.checker.Checker`: rules, a LanguageTool
server and the post-editing model, which reads every sentence; no QE, which changes no
edit) on the dev MT as ``--lines`` documents.  Reports corpus TER/chrF/BLEU (sacrebleu) of the raw MT, of mtqa's
output (every applied edit), of the MT with only the applied model edits and with only
the rule/LanguageTool edits; the model's edits by guard verdict; the precision of applied
model edits (share whose application alone lowers the sentence's TER against the
post-edit); and throughput.  The model's outputs go to a private, fresh cache unless
``--cache``, so the throughput is real.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/mlqe-pe/ru-en/dev"))
    ap.add_argument("--limit", type=int, default=0, help="first N sentences only")
    ap.add_argument("--spec", default=None, help="model spec (default: mtqa's default post-editor)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--chunk", type=int, default=100, help="lines per checked document")
    ap.add_argument("--lt-url", default=os.environ.get("MTQA_LT_URL"))
    ap.add_argument("--out", default=None, help="write the markdown results here")
    ap.add_argument("--cache", action="store_true",
                    help="use the shared output cache (fast reruns; throughput then means little)")
    ap.add_argument("--examples", type=int, default=15, help="applied model edits to list")
    ap.add_argument("--no-model", action="store_true",
                    help="rules and LanguageTool only (for the per-rule table, e.g. on train)")
    args = ap.parse_args()

    import torch
    from sacrebleu.metrics import BLEU, CHRF, TER

    from mtqa.edits.resolve import apply_edits
    from mtqa.run.checker import Backends, Checker, Settings
    from mtqa.suggest.backend import OutputCache
    from mtqa.types import Origin

    torch.set_num_threads(args.threads)
    d = Path(args.data)
    mt = (d / "mt.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    pe = (d / "pe.detok.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    if args.limit:
        mt, pe = mt[: args.limit], pe[: args.limit]
    n = len(mt)

    use_model = not args.no_model
    backends = Backends(languagetool=True, lt_url=args.lt_url, model=use_model, model_spec=args.spec,
                        qe=False)  # `mtqa fix` runs no QE: it changes no edit
    out_all, out_model, out_rules, out_accepted = [], [], [], []
    acc_good = acc_neutral = acc_bad = 0
    verdicts, types_ok = Counter(), Counter()
    by_rule: dict[str, Counter] = defaultdict(Counter)  # rule/LanguageTool edits, applied or suggested
    good = neutral = bad = 0
    examples = []
    ter = TER()
    with tempfile.TemporaryDirectory() as tmp, Checker(backends) as checker:
        ms = checker.suggester
        if ms is not None and not args.cache:
            ms.backend.use_cache(OutputCache(Path(tmp) / "out.sqlite"))
        t0 = time.time()
        for i in range(0, n, args.chunk):
            lines, refs = mt[i:i + args.chunk], pe[i:i + args.chunk]
            text = "\n".join(lines) + "\n"
            rep = checker.check(text, f"dev[{i}:]", Settings(lines=True))
            applied = [e for e in rep.edits if e.applied]
            model = [e for e in rep.edits if e.origin == Origin.MODEL]
            for e in model:
                verdicts["applied" if e.applied else (e.reason or "not applied")] += 1
            # Guard-accepted: passed the model guard; applied, or left as a suggestion
            # ("unsafe": the model's thresholds are not tuned) or beaten by an overlapping edit.
            accepted = [e for e in model if e.applied or not (e.reason or "").startswith("guard:")]
            for name, keep, sink in (("all", applied, out_all),
                                     ("model", [e for e in applied if e.origin == Origin.MODEL], out_model),
                                     ("rules", [e for e in applied if e.origin != Origin.MODEL], out_rules),
                                     ("accepted", accepted, out_accepted)):
                fixed = apply_edits(text, keep).split("\n")[: len(lines)]
                assert len(fixed) == len(lines), name
                sink += fixed
            # precision: each applied model edit alone, on its line, against the post-edit
            starts = [0]
            for ln in lines:
                starts.append(starts[-1] + len(ln) + 1)

            def alone(e):  # (line, TER of the line, TER with this edit alone) against the post-edit
                k = max(j for j in range(len(lines)) if starts[j] <= e.start)
                line = lines[k]
                edited = line[: e.start - starts[k]] + e.replacement + line[e.end - starts[k]:]
                return k, line, ter.sentence_score(line, [refs[k]]).score, ter.sentence_score(edited, [refs[k]]).score

            for e in rep.edits:
                if e.origin != Origin.MODEL and (e.applied or e.reason == "unsafe"):
                    _, _, b, a = alone(e)
                    by_rule[e.rule_id]["applied" if e.applied else "suggested"] += 1
                    by_rule[e.rule_id]["closer" if a < b else "same" if a == b else "further"] += 1
            for e in accepted:
                k, line, b, a = alone(e)
                acc_good, acc_neutral, acc_bad = acc_good + (a < b), acc_neutral + (a == b), acc_bad + (a > b)
                if e.applied:
                    good, neutral, bad = good + (a < b), neutral + (a == b), bad + (a > b)
                types_ok[e.rule_id.removeprefix("MDL:")] += 1
                if len(examples) < args.examples:
                    mark = "+" if a < b else "=" if a == b else "-"
                    examples.append(f"| {mark} | {e.rule_id.removeprefix('MDL:')} | {e.confidence:.2f} | "
                                    f"{'yes' if e.applied else 'no'} | {_md(line)} | "
                                    f"`{_md(text[e.start:e.end])}` → `{_md(e.replacement)}` | {_md(refs[k])} |")
            print(f"{min(i + args.chunk, n)}/{n} sentences, {time.time() - t0:.0f} s; guard-accepted model "
                  f"edits {acc_good + acc_neutral + acc_bad} (closer {acc_good}, further {acc_bad}), applied "
                  f"{good + neutral + bad}", file=sys.stderr, flush=True)
        wall = time.time() - t0
        to_model = ms.sentences_seen if ms else 0
        # behind the tagger's screen the adapter decodes only the flagged sentences
        screened = getattr(ms.backend, "read", None) if ms else None
        model_id = ms.model_id if ms else "none (--no-model)"
        guard = {k: getattr(ms.guard, k) for k in ("min_margin", "min_gain", "min_cosine", "max_edit_tokens")} if ms else {}

    refs = [pe]
    rows = []
    for name, hyp in (("raw MT", mt), ("mtqa fix (all applied edits)", out_all),
                      ("MT + applied model edits only", out_model),
                      ("MT + applied rule/LanguageTool edits only", out_rules),
                      ("MT + every guard-accepted model edit (applied or not)", out_accepted)):
        rows.append(f"| {name} | {ter.corpus_score(hyp, refs).score:.2f} | "
                    f"{CHRF().corpus_score(hyp, refs).score:.2f} | {BLEU().corpus_score(hyp, refs).score:.2f} |")
    accepted = good + neutral + bad
    acc_all = acc_good + acc_neutral + acc_bad
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    lines_md = [
        f"# `mtqa fix` on MLQE-PE `{Path(args.data).parent.name}/{Path(args.data).name}`, against the human post-edits",
        "",
        f"Command: `{cmd}`  ",
        f"Model: `{model_id}`, device cpu, torch threads {args.threads}; guard {guard}.  ",
        f"Data: MLQE-PE `{args.data}` (CC0), {n} sentences, `mt.en` vs `pe.detok.en`, checked as "
        f"`--lines` documents of {args.chunk} lines with LanguageTool and the model (no QE, as in `mtqa fix`).",
        "",
        "| text | TER ↓ | chrF ↑ | BLEU ↑ |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Sentences sent to the model (every sentence): {to_model}/{n}"
        + (f" (the screen passed {screened} on to the adapter)" if screened is not None else "") + "; "
        f"lines changed by mtqa: {sum(a != m for a, m in zip(out_all, mt))}/{n}, by model edits: "
        f"{sum(a != m for a, m in zip(out_model, mt))}/{n}.",
        "",
        "Model edits by verdict: " + ", ".join(f"{k} {v}" for k, v in verdicts.most_common()),
        "",
        f"Guard-accepted model edits: {acc_all}; closer to the post-edit (sentence TER drops when "
        f"applied alone) {acc_good}, no change {acc_neutral}, further {acc_bad}; **precision "
        + (f"{acc_good / acc_all:.1%}" if acc_all else "n/a") + "**.  ",
        f"Of these applied by `mtqa fix` (guard thresholds tuned for the model): {accepted}; closer "
        f"{good}, no change {neutral}, further {bad}; precision "
        + (f"{good / accepted:.1%}" if accepted else "n/a") + ".  ",
        "Guard-accepted by type: " + (", ".join(f"{k} {v}" for k, v in types_ok.most_common()) or "none"),
        "",
        f"Wall time for the whole pipeline: {wall:.0f} s ({n / wall:.2f} sentences/s, LanguageTool"
        + (" and the model included; no QE)." if use_model else " and rules only; no QE, no model)."),
        "",
        "Rule and LanguageTool edits, each applied alone (applied by `mtqa fix`, or a suggestion):",
        "",
        "| rule | applied | suggested | closer | same | further |",
        "|---|---|---|---|---|---|",
        *[f"| {r} | {c['applied']} | {c['suggested']} | {c['closer']} | {c['same']} | {c['further']} |"
          for r, c in sorted(by_rule.items())],
        "",
        "Guard-accepted model edits (first few; + closer to the post-edit, = same, - further):",
        "",
        "| | type | conf. | applied | sentence | edit | post-edit |",
        "|---|---|---|---|---|---|---|",
        *examples,
    ]
    text = "\n".join(lines_md) + "\n"
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":
    sys.exit(main())
