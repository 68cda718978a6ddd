"""HTML report for editors: one self-contained file (inline CSS/JS, no external requests,
a strict Content-Security-Policy) showing the article with word-level track changes of the
applied edits, sentence shading by score, highlighted findings and, below, every finding
with its rule documentation and what happened to its suggestion.

Above the article, the review (shown when the page's script runs): every edit — applied,
suggested, guard-rejected, model — can be accepted or rejected in place, by mouse or key;
the text with the decisions applied is shown live and can be downloaded, with the
decisions as JSON for `mtqa fix --decisions` (docs/review.md).  The script gets the
text and the edits from one JSON attribute (escaped like everything else) and writes
them with textContent only.

Every piece of article text, message, path and rule doc goes through ``esc``: an article
containing ``<script>`` must show that text, never run it."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re
from bisect import bisect_left
from difflib import SequenceMatcher
from importlib import resources
from typing import Optional

from mtqa import __version__
from mtqa.edits.decisions import edit_entry, signature_key, text_sha256
from mtqa.edits.resolve import apply_edits
from mtqa.report import SCHEMA_VERSION, line_col
from mtqa.report.stats import counts, edit_status, mean_score
from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, Severity

# Word tokens; trailing punctuation is its own token so "thousand." -> "160,000." shows the
# full stop as unchanged.  Everything else ("$30", "U.S.") stays whole.
_PUNCT = ".,;:!?…)\\]}”’»\"'"
_TOKEN = re.compile(rf"\s+|[{_PUNCT}]+(?=\s|$)|\S+?(?=[{_PUNCT}]*(?:\s|$))")
SEVERITIES = sorted(Severity, key=lambda s: -s.rank)  # critical first
BANDS = (("good", 90, "90–100"), ("fair", 70, "70–89"), ("poor", 50, "50–69"), ("bad", 0, "below 50"))
REASONS = {
    "unsafe": "not a safe fix: needs an editor’s judgement",
    "overlap": "overlaps another edit that was preferred",
}
KEYS = (("J", "next change"), ("K", "previous"), ("A", "accept"), ("R", "reject"), ("U", "undo"))


def esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def band(score: float) -> str:
    return next((name for name, low, _ in BANDS if score >= low), "bad")


def fmt(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _asset(name: str) -> str:
    return resources.files("mtqa.report").joinpath(name).read_text(encoding="utf-8")


def _opcodes(a: list[str], b: list[str]) -> list[tuple]:
    """Word diff; a whitespace-only match between two changes is folded into them, so
    "An interested" -> "A lively" reads as one replacement rather than two."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[tuple] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        gap = tag == "equal" and 0 < k < len(ops) - 1 and not "".join(a[i1:i2]).strip()
        changed = tag != "equal" or gap
        if changed and out and out[-1][0] == "change":
            out[-1] = ("change", out[-1][1], i2, out[-1][3], j2)
        else:
            out.append(("change" if changed else "equal", i1, i2, j1, j2))
    return out


class _Doc:
    """Renders one Report; holds the per-document ids so marks and cards link both ways."""

    def __init__(self, r: Report, n: int):
        self.r, self.n = r, n
        self.fid = {id(f): f"d{n}-f{k}" for k, f in enumerate(r.findings)}
        self.mark_of: dict[str, str] = {}  # finding id -> id of its first mark in the text
        self.applied = [e for e in r.edits if e.applied]
        # Every edit goes with the finding it fixes (Edit.finding_id); one whose finding is
        # not in the report (a model edit the guard rejected) is listed on its own.
        self.finding_of: dict[str, Finding] = {}
        for f in r.findings:
            self.finding_of.setdefault(f.id, f)
        self.edits_of: dict[str, list[Edit]] = {}
        for e in r.edits:
            self.edits_of.setdefault(e.finding_id, []).append(e)
        self.orphans = [e for e in r.edits if e.finding_id not in self.finding_of]

    # ---- the article ----------------------------------------------------------------
    def _mark(self, text: str, cover: list[Finding]) -> str:
        if not cover:
            return esc(text)
        ids = [self.fid[id(f)] for f in cover]
        worst = max(cover, key=lambda f: f.severity.rank).severity.value
        sevs = " ".join(sorted({f.severity.value for f in cover}))
        cats = " ".join(sorted({f.category.value for f in cover}))
        origins = " ".join(sorted({f.origin.value for f in cover}))
        title = "\n".join(f"{f.severity.value} · {f.rule_id}: {f.message}" for f in cover)
        attr = ""
        fresh = [i for i in ids if i not in self.mark_of]
        if fresh:
            mid = f"m-{fresh[0]}"
            attr = f' id="{mid}"'
            for i in fresh:
                self.mark_of[i] = mid
        cls = "f point" if not text else "f"
        return (f'<a class="{cls} sev-{worst}" href="#{ids[0]}" data-sev="{sevs}" data-cat="{cats}" '
                f'data-origin="{origins}"{attr} '
                f'title="{esc(title)}">{esc(text)}</a>')

    def _orig(self, p: int, q: int, points_at_end: bool = False) -> str:
        """Original text [p, q) with findings highlighted (split at finding boundaries)."""
        fs = [f for f in self.r.findings if f.start < q and f.end > p]
        points = [f for f in self.r.findings if f.start == f.end and (p <= f.start < q or (points_at_end and f.start == q))]
        cuts = sorted({p, q} | {x for f in fs + points for x in (f.start, f.end) if p < x < q})
        out = []
        for x, y in zip(cuts, cuts[1:]):
            out += [self._mark("", [f]) for f in points if f.start == x]
            out.append(self._mark(self.r.text[x:y], [f for f in fs if f.start < y and f.end > x]))
        out += [self._mark("", [f]) for f in points if f.start == q and points_at_end]
        return "".join(out)

    def _edit_title(self, p: int, q: int) -> str:
        hit = [e for e in self.applied if e.start < q and e.end > p] or [
            e for e in self.applied if p <= e.start <= q]
        return esc("\n".join(f"{e.rule_id}: “{self.r.text[e.start:e.end]}” → “{e.replacement}”" for e in hit))

    def span(self, a: int, b: int) -> str:
        """Text [a, b) with its applied edits shown as word-level <del>/<ins>."""
        mine = [e for e in self.applied if a <= e.start and e.end <= b]
        if not mine:
            return self._orig(a, b, points_at_end=True)
        new = apply_edits(self.r.text[a:b], [_shift(e, -a) for e in mine])
        ot = [(m.group(), a + m.start(), a + m.end()) for m in _TOKEN.finditer(self.r.text[a:b])]
        nt = _TOKEN.findall(new)
        out = []
        for tag, i1, i2, j1, j2 in _opcodes([t[0] for t in ot], nt):
            p = ot[i1][1] if i1 < len(ot) else b
            q = ot[i2 - 1][2] if i1 < i2 else p
            if tag == "equal":
                out.append(self._orig(p, q))
                continue
            title = self._edit_title(p, q)
            if i1 < i2:
                ws = " ws" if not self.r.text[p:q].strip() else ""
                out.append(f'<del class="chg{ws}" title="{title}">{self._orig(p, q)}</del>')
            if j1 < j2:
                txt = "".join(nt[j1:j2])
                ws = " ws" if not txt.strip() else ""
                out.append(f'<ins class="chg{ws}" title="{title}">{esc(txt)}</ins>')
        out += [self._mark("", [f]) for f in self.r.findings if f.start == f.end == b]
        return "".join(out)

    def article(self) -> str:
        r = self.r
        if not r.text.strip() and not self.applied:
            return '<p class="empty">The document is empty.</p>'
        scored = {(s.segment.start, s.segment.end): s for s in r.sentences}
        paras: list[list[str]] = [[]]
        cur = 0

        def gap(a: int, b: int) -> None:
            g = r.text[a:b]
            if b == len(r.text) and not g.strip():
                return  # trailing newline(s): nothing to show
            if g.strip() or any(a <= e.start < b for e in self.applied):
                paras[-1].append(self.span(a, b))
            elif g.count("\n") >= 2:
                paras.append([])  # a blank line: new paragraph
            elif paras[-1]:
                paras[-1].append(esc(g))

        for seg in sorted(r.segments, key=lambda s: s.start):
            start = max(seg.start, cur)
            # an applied edit that runs past the segment end is drawn whole, in this segment
            end = max([seg.end] + [e.end for e in self.applied if seg.start <= e.start < seg.end])
            if start >= end:
                continue
            gap(cur, start)
            paras[-1].append(self.segment(seg, start, end, scored.get((seg.start, seg.end))))
            cur = end
        gap(cur, len(r.text))
        return "\n".join(f'<p>{"".join(p)}</p>' for p in paras if p)

    def segment(self, seg: Segment, a: int, b: int, res) -> str:
        body = self.span(a, b)
        if seg.kind == "boilerplate":
            return f'<span class="bp" title="Boilerplate: not checked">{body}</span>'
        if res is None:
            return f'<span class="s" title="Not scored">{body}</span>'
        title = f"Sentence score {fmt(res.score)} · {res.words} words · penalty {res.penalty:g}"
        return (f'<span class="s band-{band(res.score)}" id="d{self.n}-s{seg.start}" '
                f'title="{esc(title)}">{body}</span>')

    # ---- the summary ----------------------------------------------------------------
    def summary(self) -> str:
        r, c = self.r, counts([self.r])
        sev = "".join(
            f'<li class="chip sev-{s.value}{"" if c["by_severity"][s.value] else " zero"}">'
        f'<b>{c["by_severity"][s.value]}</b> {s.value}</li>' for s in SEVERITIES)
        cats = "".join(f'<li class="chip"><b>{v}</b> {esc(k)}</li>' for k, v in c["by_category"].items() if v)
        sig = "".join(f"<dt>{esc(k)}</dt><dd>{esc('—' if v is None else v)}</dd>" for k, v in r.signature.items())
        errors = "".join(f'<p class="error" role="alert"><b>Error:</b> {esc(e)}</p>' for e in r.errors)
        return f"""<section class="summary" aria-label="Summary">
<div class="score band-{band(r.score)}"><span class="num">{fmt(r.score)}</span><span class="of">/ 100</span>
<span class="lbl">document score</span></div>
<div class="stats">
<div class="stat"><span class="lbl">Words</span><span class="val">{r.words}</span></div>
<div class="stat"><span class="lbl">Penalty</span><span class="val">{r.penalty:g}</span></div>
<div class="stat"><span class="lbl">Findings</span><span class="val">{c["findings"]}</span></div>
<div class="stat"><span class="lbl">Applied</span><span class="val">{c["edits_applied"]}</span></div>
<div class="stat"><span class="lbl">Suggested</span><span class="val">{c["edits_suggested"]}</span></div>
<div class="stat"><span class="lbl">Rejected</span><span class="val">{c["edits_rejected"]}</span></div>
</div>
<div class="breakdown"><h3>By severity</h3><ul class="chips">{sev}</ul>
<h3>By category</h3><ul class="chips">{cats or '<li class="none">none</li>'}</ul></div>
{f'<details class="sig"><summary>Signature</summary><dl>{sig}</dl></details>' if sig else ''}
{errors}</section>"""

    # ---- the findings list ----------------------------------------------------------
    def findings(self) -> str:
        r = self.r
        sents = sorted((s for s in r.segments if s.kind == "sentence"), key=lambda s: s.start)
        scored = {(s.segment.start, s.segment.end): s for s in r.sentences}
        groups: dict[Optional[Segment], tuple[list, list]] = {}
        for f in r.findings:
            groups.setdefault(_within(sents, f.start, f.end), ([], []))[0].append(f)
        for e in self.orphans:
            groups.setdefault(_within(sents, e.start, e.end), ([], []))[1].append(e)
        if not groups:
            return '<p class="empty">No findings. Nothing to review.</p>'
        out = []
        for seg in sorted(groups, key=lambda s: (s is None, s.start if s else 0)):
            fs, orphans = groups[seg]
            out.append(self._group(seg, scored.get((seg.start, seg.end)) if seg else None, fs, orphans))
        return "\n".join(out)

    def _group(self, seg, res, fs: list[Finding], orphans: list[Edit]) -> str:
        if seg is None:
            head = '<span class="where">Outside checked sentences</span>'
            cls = ""
        else:
            line, _ = line_col(self.r.text, seg.start)
            pill = f'<span class="pill band-{band(res.score)}">{fmt(res.score)}</span>' if res else ""
            head = (f'{pill}<a class="where" href="#d{self.n}-s{seg.start}">line {line}</a>'
                    f'<q class="sent">{esc(seg.text)}</q>')
            cls = f" band-{band(res.score)}" if res else ""
        items = [self._card(f) for f in sorted(fs, key=lambda f: (f.start, f.end))]
        items += [f'<li class="orphan">{self._edit_line(e)}</li>' for e in orphans]
        return f'<section class="sgroup{cls}"><header>{head}</header><ol class="flist">{"".join(items)}</ol></section>'

    def _card(self, f: Finding) -> str:
        fid = self.fid[id(f)]
        edits = self.edits_of.get(f.id, [])
        flagged = self.r.text[f.start:f.end]
        reps = "".join(f'<li class="rep">{esc(x) or "<i>(delete)</i>"}</li>' for x in f.replacements)
        back = self.mark_of.get(fid)
        return f"""<li class="finding sev-{f.severity.value}" id="{fid}" data-sev="{f.severity.value}" data-cat="{esc(f.category.value)}" data-origin="{esc(f.origin.value)}">
<div class="fhead"><span class="badge sev-{f.severity.value}">{f.severity.value}</span>
<span class="cat">{esc(f.category.value)}</span><code class="rid">{esc(f.rule_id)}</code>
<span class="origin">{esc(f.origin.value)}</span><span class="conf">confidence {f.confidence:.2f}{" · safe" if f.safe else ""}</span>
{f'<a class="back" href="#{back}" title="Show in the text">↑ text</a>' if back else ""}</div>
<p class="msg">{esc(f.message)}</p>
{f'<p class="flagged">Flagged: <q>{esc(flagged)}</q></p>' if flagged.strip() else ""}
{f'<div class="reps"><span class="lbl">Replacements</span><ul>{reps}</ul></div>' if reps else ""}
{"".join(f'<p class="edit">{self._edit_line(e)}</p>' for e in edits)}
{self._doc(f)}</li>"""

    def _edit_line(self, e: Edit) -> str:
        st = edit_status(e)
        change = f"<q>{esc(self.r.text[e.start:e.end])}</q> → <q>{esc(e.replacement)}</q>"
        if st == "applied":
            what = "Applied"
        elif st == "rejected":
            what = f"Rejected by the meaning guard ({esc((e.reason or '').partition(':')[2] or e.reason)})"
        else:
            what = f"Suggested, not applied ({esc(REASONS.get(e.reason or '', e.reason or 'no reason given'))})"
        return f'<span class="status st-{st}">{what}</span> <code class="rid">{esc(e.rule_id)}</code> {change}'

    def _doc(self, f: Finding) -> str:
        if f.rule_id.startswith("LT:"):
            body = f"LanguageTool rule {esc(f.rule_id[3:])}"
        else:
            from mtqa.checks.rules import get_rule  # loads the rule registry only when needed

            rule = get_rule(f.rule_id)
            body = esc(rule.doc) if rule and rule.doc else f"No documentation found for rule {esc(f.rule_id)}."
        return f'<details class="ruledoc"><summary>Rule documentation</summary><div class="doc">{body}</div></details>'

    # ---- the review ----------------------------------------------------------------
    def review_data(self) -> dict:
        """What the review script needs: the text, its hash, and every edit with its
        UTF-16 span (JavaScript strings count UTF-16 units; mtqa counts code points, and
        the exported decisions keep mtqa's offsets)."""
        r = self.r
        u16 = _utf16(r.text)
        edits = []
        for e in r.edits:
            f = self.finding_of.get(e.finding_id)
            edits.append({
                "entry": edit_entry(r.text, e), "s16": u16(e.start), "e16": u16(e.end),
                "status": edit_status(e), "sev": f.severity.value if f else "",
                "cat": f.category.value if f else "", "msg": f.message if f else "",
                "fid": self.fid[id(f)] if f else "",
            })
        return {"path": r.path, "text": r.text, "sha256": text_sha256(r.text),
                "key": signature_key(r.signature), "signature": r.signature, "edits": edits}

    def review(self) -> str:
        if not self.r.edits:
            return ""
        n = self.n
        data = json.dumps(self.review_data(), ensure_ascii=True, separators=(",", ":"))
        keys = "".join(f"<li><kbd>{k}</kbd> {esc(what)}</li>" for k, what in KEYS)
        return f"""<section class="review" id="d{n}-review" aria-label="Review" hidden>
<h3>Review <span class="hint">accept or reject each change; the result follows your decisions</span></h3>
<div class="rv-bar" role="group" aria-label="Review actions">
<button type="button" data-act="accept-safe" title="Accept the edits that mtqa fix applies">Accept all safe</button>
<button type="button" data-act="reject-all" title="Reject every change">Reject all</button>
<button type="button" data-act="undo" title="Undo the last decision (U)">Undo</button>
<button type="button" data-act="reset" title="Back to what mtqa fix does">Reset</button>
<span class="rv-gap"></span>
<button type="button" class="primary" data-act="download-text">Download text</button>
<button type="button" data-act="download-decisions">Download decisions</button>
</div>
<div class="rv-info"><span class="rv-count" data-rv-count></span><ul class="rv-keys" aria-label="Keyboard">{keys}</ul></div>
<p class="rv-msg" data-rv-msg role="status" aria-live="polite"></p>
<div class="rv-main">
<div class="rv-text" data-rv-text></div>
<aside class="rv-side" aria-label="Changes"><div class="rv-card" data-rv-card></div>
<ol class="rv-list" data-rv-list></ol></aside>
</div>
<details class="rv-result" open><summary>Result: the text with your decisions</summary>
<pre class="rv-live" data-rv-live></pre></details>
<div class="rv-data" hidden data-review="{esc(data)}"></div>
</section>"""

    def render(self) -> str:
        return f"""<article class="doc" id="d{self.n}" aria-labelledby="d{self.n}-h">
<h2 id="d{self.n}-h" class="path">{esc(self.r.path)}</h2>
{self.summary()}
{self.review()}
<section class="text" aria-label="Article"><h3>Article <span class="hint">track changes of the applied edits</span></h3>
{_legend()}
<div class="article">{self.article()}</div></section>
<section class="findings" aria-label="Findings"><h3>Findings by sentence</h3>
{self.findings()}</section></article>"""


def _utf16(text: str):
    """Code-point offset -> UTF-16 offset in ``text`` (astral characters count two)."""
    astral = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]
    return lambda i: i + bisect_left(astral, i)


def _shift(e: Edit, by: int) -> Edit:
    return dataclasses.replace(e, start=e.start + by, end=e.end + by)


def _within(sents: list[Segment], a: int, b: int) -> Optional[Segment]:
    return next((s for s in sents if s.start <= a < s.end or a == b == s.end), None)


def _legend() -> str:
    bands = "".join(f'<li><span class="sw band-{n}"></span>{lbl}</li>' for n, _, lbl in BANDS)
    return (f'<ul class="legend" aria-label="Legend"><li class="lh">Sentence score</li>{bands}'
            '<li><span class="bp">boilerplate</span> not checked</li>'
            '<li><del class="chg">deleted</del> <ins class="chg">inserted</ins></li>'
            '<li><span class="f sev-major">finding</span> (click for details)</li></ul>')


def _toolbar(reports: list[Report]) -> str:
    c = counts(reports)
    boxes = "".join(
        f'<label class="chip sev-{s.value}"><input type="checkbox" data-filter-sev value="{s.value}" checked> '
        f'{s.value} <b>{c["by_severity"][s.value]}</b></label>' for s in SEVERITIES)
    cats = "".join(
        f'<label class="chip"><input type="checkbox" data-filter-cat value="{cat.value}" checked> '
        f'{cat.value} <b>{c["by_category"][cat.value]}</b></label>' for cat in Category if c["by_category"][cat.value])
    # origins count the edits without a finding too (a model edit the guard rejected)
    by_origin = {o.value: 0 for o in Origin}
    for r in reports:
        origin_of = {f.id: f.origin.value for f in r.findings}
        for o in origin_of.values():
            by_origin[o] += 1
        for e in r.edits:
            if e.finding_id not in origin_of:
                by_origin[e.origin.value] += 1
    origins = "".join(
        f'<label class="chip{"" if by_origin[o.value] else " zero"}"><input type="checkbox" data-filter-origin '
        f'value="{o.value}" checked> {o.value} <b>{by_origin[o.value]}</b></label>' for o in Origin)
    views = "".join(
        f'<label><input type="radio" name="view" value="{v}"{" checked" if v == "changes" else ""}> {lbl}</label>'
        for v, lbl in (("changes", "Changes"), ("original", "Original"), ("edited", "Post-edited")))
    return (f'<div class="toolbar" role="toolbar"><fieldset><legend>Severity</legend>{boxes}</fieldset>'
            + (f'<fieldset class="cats"><legend>Category</legend>{cats}</fieldset>' if cats else "")
            + f'<fieldset class="origins"><legend>Origin</legend>{origins}</fieldset>'
            f'<fieldset class="views"><legend>Text</legend>{views}</fieldset></div>')


def _overview(reports: list[Report]) -> str:
    rows = "".join(
        f'<tr><td><a href="#d{n}">{esc(r.path)}</a></td><td><span class="pill band-{band(r.score)}">{fmt(r.score)}</span></td>'
        f"<td>{r.words}</td><td>{len(r.findings)}</td><td>{counts([r])['edits_applied']}</td></tr>"
        for n, r in enumerate(reports))
    return (f'<section class="overview"><h2>{len(reports)} documents · score {fmt(mean_score(reports))}</h2>'
            "<table><thead><tr><th>Document</th><th>Score</th><th>Words</th><th>Findings</th><th>Applied</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")


def render(reports: list[Report]) -> str:
    js = _asset("report.js")
    # A hash, not 'unsafe-inline': only this exact script may run, so even a missed escape
    # could not execute injected code.  Deterministic, unlike a nonce.
    sha = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{sha}'; base-uri 'none'; form-action 'none'"
    title = esc(reports[0].path) if len(reports) == 1 else f"{len(reports)} documents"
    docs = "\n".join(_Doc(r, n).render() for n, r in enumerate(reports))
    return f"""<!DOCTYPE html>
<html lang="en" data-view="changes">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mtqa {esc(__version__)}">
<title>mtqa report — {title}</title>
<style>
{_asset("report.css")}</style>
</head>
<body>
<header class="top"><div class="wrap"><span class="brand">mtqa</span>
<span class="subtitle">Machine-translation quality report</span>{_toolbar(reports)}</div></header>
<main class="wrap">
{_overview(reports) if len(reports) > 1 else ""}
{docs or '<p class="empty">No documents.</p>'}
</main>
<footer class="wrap">Generated by mtqa {esc(__version__)} · report schema {SCHEMA_VERSION}.
Scores are 0–100 (100: no findings); sentence shading follows the legend.</footer>
<script>{js}</script>
</body>
</html>
"""
