#!/usr/bin/env python3
"""What checking LanguageTool's part concurrently saves: the same WMT22 news articles
checked with the document's LanguageTool request sent first, from a thread, so that the
JVM works while the post-editor and the rules run (shipped), and with it sent after the
rules and the post-editor, waiting for the answer (as before).  One process, one Checker,
the arms alternating article by article, the first arm alternating too.

    .venv/bin/python benchmarks/lt_overlap.py [--system Online-B] [--docs 12] [--no-model] [--out FILE]

A LanguageTool server is started without its result cache (``config={}``), and every check
gets a fresh post-editor output cache, so neither arm reuses the other's work.  Reports
are compared: both arms must give the same findings and edits.
Data: WMT22 general task ru-en, news domain (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--no-model", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import mtqa.run.checker as checker_mod
    from mtqa.checks.languagetool.merge import prose_only
    from mtqa.checks.languagetool.server import LanguageToolServer
    from mtqa.evaluate.datasets import articles, read_segments_tsv
    from mtqa.run.checker import Backends, Checker
    from mtqa.run.serialize import report_to_dict
    from mtqa.suggest.backend import OutputCache

    lines = (NEWS / "mt" / f"{args.system}.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    arts = articles(lines, read_segments_tsv(NEWS / "segments.tsv"))[: args.docs]
    shipped = checker_mod.start_languagetool

    def serial(lt, text, sents):  # the request made when find() merges, as before
        return (lambda: lt.check(prose_only(text, sents))) if lt is not None and sents else None

    times = {"serial (before)": 0.0, "concurrent (shipped)": 0.0}
    same = 0
    with tempfile.TemporaryDirectory() as tmp, LanguageToolServer(config={}) as srv, \
            Checker(Backends(lt_url=srv.url, model=not args.no_model)) as ck:
        n = 0
        for k, (doc_id, text) in enumerate(arts):
            arms = [("serial (before)", serial), ("concurrent (shipped)", shipped)]
            got = {}
            for name, fn in (arms if k % 2 == 0 else arms[::-1]):
                if ck.suggester is not None:
                    n += 1
                    ck.suggester.backend.cache = OutputCache(Path(tmp) / f"o{n}.sqlite")
                checker_mod.start_languagetool = fn
                t0 = time.time()
                rep = ck.check(text, doc_id)
                times[name] += time.time() - t0
                d = report_to_dict(rep)
                got[name] = (d["findings"], d["edits"])
            same += got["serial (before)"] == got["concurrent (shipped)"]
        checker_mod.start_languagetool = shipped
    ratio = times["serial (before)"] / times["concurrent (shipped)"]
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    out = [f"# LanguageTool's request concurrent with the post-editor: WMT22 ru-en news, {args.system}", "",
           f"Command: `{cmd}`  ", f"{len(arts)} articles; model {'off' if args.no_model else 'on'}, QE on; "
           "2-core CPU, arms interleaved article by article.", "",
           "| arm | check s | s per article |", "|---|---|---|"]
    for name, t in times.items():
        out.append(f"| {name} | {t:.1f} | {t / max(1, len(arts)):.2f} |")
    out += ["", f"**serial / concurrent: {ratio:.3f}×**; identical findings and edits in {same} of {len(arts)} articles."]
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
