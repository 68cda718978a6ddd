#!/usr/bin/env python3
"""Does markup change what mtqa says?  The same WMT22 news articles checked as plain text,
as Markdown and as HTML, with inline markup of the kind real articles carry: a link on
names and a bold word.  A user who publishes Markdown or HTML should get the findings of the
plain text, neither fewer nor more.

    .venv/bin/python benchmarks/markup_fidelity.py [--docs 20] [--system Online-B] [--no-qe] [--out FILE]

For each article: the plain text (one paragraph per segment); Markdown with every third
capitalised word inside a sentence as ``[Name](https://example.com/n)`` and every fifth as
``**bold**``; HTML with ``<p>`` paragraphs, ``<a href>`` and ``<b>`` for the same words.
Measured against the plain text: the share of its sentences that come out whole (the same
words, markup removed), and the findings' agreement as a multiset of (rule id, the words
of the span with markup removed).  Default checks, without the post-editing model (its
suggestions are not findings).
Data: WMT22 general task ru-en, news (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import html
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"
_WORD = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b")
_MD_MARKUP = re.compile(r"\]\(https://example\.com/\d+\)|\*\*|\[")
_HTML_MARKUP = re.compile(r"<[^>]+>")


def _decorate(para: str, counter: list[int], md: bool) -> str:
    out, pos = [], 0
    for m in _WORD.finditer(para):
        counter[0] += 1
        n = counter[0]
        if n % 3 and n % 5:
            continue
        w = m.group()
        if md:
            deco = f"[{w}](https://example.com/{n})" if n % 3 == 0 else f"**{w}**"
        else:
            deco = f'<a href="https://example.com/{n}">{w}</a>' if n % 3 == 0 else f"<b>{w}</b>"
        out.append((html.escape(para[pos:m.start()], quote=False) if not md else para[pos:m.start()]) + deco)
        pos = m.end()
    rest = para[pos:]
    out.append(html.escape(rest, quote=False) if not md else rest)
    return "".join(out)


def _plain_words(text: str, kind: str) -> str:
    if kind == "markdown":
        text = _MD_MARKUP.sub("", text)
    elif kind == "html":
        text = html.unescape(_HTML_MARKUP.sub("", text))
    return " ".join(text.split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--no-qe", action="store_true")
    ap.add_argument("--lt-url", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import tempfile

    from mtqa.evaluate.datasets import articles, read_segments_tsv
    from mtqa.inputs import load
    from mtqa.run.checker import Backends, Checker, Settings

    lines = (NEWS / "mt" / f"{args.system}.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    arts = articles(lines, read_segments_tsv(NEWS / "segments.tsv"))[: args.docs]
    tmp = Path(tempfile.mkdtemp())
    plain_sentences = 0
    sent_total = Counter()
    sent_whole = Counter()
    found = {k: Counter() for k in ("text", "markdown", "html")}
    t0 = time.time()
    with Checker(Backends(lt_url=args.lt_url, model=False, qe=not args.no_qe)) as ck:
        for doc_id, plain in arts:
            paras = [p for p in plain.split("\n\n") if p.strip()]
            counter = [0]
            md = "\n\n".join(_decorate(p, counter, True) for p in paras) + "\n"
            counter = [0]
            ht = "<html><body>\n" + "\n".join(f"<p>{_decorate(p, counter, False)}</p>" for p in paras) + "\n</body></html>\n"
            reps = {}
            for kind, text, name in (("text", plain, "a.txt"), ("markdown", md, "a.md"), ("html", ht, "a.html")):
                (tmp / name).write_text(text, encoding="utf-8")
                [doc] = load(str(tmp / name))  # as `mtqa check` reads a file
                masks = {"masks": doc.masks} if getattr(doc, "masks", None) else {}  # (none before masks existed)
                reps[kind] = ck.check(doc.text, doc_id, Settings(), regions=doc.regions,
                                      suppressions=doc.suppressions, **masks)
            base = Counter(" ".join(s.segment.text.split()) for s in reps["text"].sentences)
            plain_sentences += sum(base.values())
            for kind in ("markdown", "html"):
                rep = reps[kind]
                got = Counter(_plain_words(s.segment.text, kind) for s in rep.sentences)
                sent_total[kind] += sum(base.values())
                sent_whole[kind] += sum((base & got).values())
            for kind, rep in reps.items():
                for f in rep.findings:
                    found[kind][(f.rule_id, _plain_words(rep.text[f.start:f.end], kind))] += 1
    secs = time.time() - t0
    ref = found["text"]
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    rows = [f"# Markup fidelity: WMT22 {args.system}, {len(arts)} articles as text, Markdown and HTML", "",
            f"Command: `{cmd}`  ", f"Checks: defaults{' without QE' if args.no_qe else ''}, no post-editing model; "
            f"{secs:.0f} s.", "",
            "| input | sentences whole | findings | same as plain text | missing | extra |", "|---|---|---|---|---|---|",
            f"| plain text | {plain_sentences} (the reference) | {sum(ref.values())} | | | |"]
    for kind in ("markdown", "html"):
        got = found[kind]
        same = sum((ref & got).values())
        rows.append(f"| {kind} | {sent_whole[kind]} of {sent_total[kind]} ({sent_whole[kind] / max(sent_total[kind], 1):.1%}) "
                    f"| {sum(got.values())} | {same} ({same / max(sum(ref.values()), 1):.1%}) "
                    f"| {sum((ref - got).values())} | {sum((got - ref).values())} |")
    for kind in ("markdown", "html"):
        for what, diff in (("Extra", found[kind] - ref), ("Missing", ref - found[kind])):
            if diff:
                rows.append("")
                rows.append(f"{what} on {kind}: " + ", ".join(f"{r} {t[:80]!r} ×{n}" for (r, t), n in diff.most_common(6)))
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
