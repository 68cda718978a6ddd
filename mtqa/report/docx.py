"""Word / LibreOffice export (``--format docx``): the article with real tracked changes and
each finding as a comment, for editors who review in a word processor.

* Every **applied** edit (what `mtqa fix` writes) is one tracked change by author "mtqa":
  the old text in a ``w:del``, the new in a ``w:ins``.  So *Accept All* gives exactly the
  post-edited text and *Reject All* the original.  Edits that were not applied (unsafe
  suggestions, edits the guard rejected, the losers of an overlap) are not tracked
  changes, since accepting all would then apply them too and overlapping ones cannot both
  be tracked; they are named in the comment of their finding, with the reason.
* Every finding is a comment anchored on its span; a model edit that has no finding (the
  guard rejected it) gets a comment of its own.
* Every line of the input is one paragraph.  A line break inside an edit is a tracked
  paragraph mark, so accepting or rejecting merges or splits paragraphs as the text does.

What a .docx cannot carry: the BOM and the kind of line break (CRLF/LF/CR); a line break
at the very end of the text (so neither text that an edit puts after it); characters XML
forbids (most C0 controls), which become U+FFFD.  Text export of the accepted document therefore equals the post-edited text up to
those (docs/review.md).

The document is built with python-docx; the revision markup, which python-docx has no API
for, is written with its oxml layer."""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, replace
from typing import Iterator, Optional

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from mtqa.report.stats import edit_status
from mtqa.types import Edit, Finding, Report

AUTHOR = "mtqa"
INITIALS = "MT"
_BREAK = re.compile(r"\r\n|\r|\n")
# Characters XML 1.0 cannot hold (tab and line breaks are handled before this is used)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(s: str) -> str:
    return _NOT_XML.sub("\ufffd", s)


# ---- the stream of pieces -----------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """Text of one kind ("plain", "del", "ins") and the revision it belongs to, or a
    comment range marker ("cstart"/"cend" with the comment id in ``rev``)."""

    kind: str
    text: str = ""
    rev: int = 0


def pieces(text: str, edits: list[Edit], anchors: list[tuple[int, int, int]], first_rev: int) -> Iterator[Piece]:
    """The document as pieces: original text, applied edits as del+ins (revision ids from
    ``first_rev``), and comment markers for ``anchors`` (start, end, comment id).  The
    applied edits never overlap (mtqa.edits.resolve.resolve saw to that).

    At each offset p the order follows mtqa.edits.resolve.apply_edits: the insertion of an edit that
    ends at p, then comments that end at p, then point comments around insertions at p,
    then comments that start at p, then the text from p on."""
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    rev = {id(e): first_rev + 2 * k for k, e in enumerate(edits)}
    at: dict[tuple[str, int], list] = {}  # ("ends"|"inserts"|"cend"|"point"|"cstart", offset) -> items
    for e in edits:
        at.setdefault(("inserts" if e.start == e.end else "ends", e.end), []).append(e)
    for a, b, c in anchors:
        if a == b:
            at.setdefault(("point", a), []).append(c)
        else:
            at.setdefault(("cstart", a), []).append(c)
            at.setdefault(("cend", b), []).append(c)
    spans = iter([e for e in edits if e.start < e.end])
    span = next(spans, None)
    cuts = sorted({0, len(text)} | {x for e in edits for x in (e.start, e.end)}
                  | {x for a, b, _ in anchors for x in (a, b)})
    for p, q in zip(cuts, cuts[1:] + [None]):
        yield from (Piece("ins", e.replacement, rev[id(e)] + 1) for e in at.get(("ends", p), ()) if e.replacement)
        yield from (Piece("cend", rev=c) for c in at.get(("cend", p), ()))
        yield from (Piece("cstart", rev=c) for c in at.get(("point", p), ()))
        yield from (Piece("ins", e.replacement, rev[id(e)] + 1) for e in at.get(("inserts", p), ()) if e.replacement)
        yield from (Piece("cend", rev=c) for c in at.get(("point", p), ()))
        yield from (Piece("cstart", rev=c) for c in at.get(("cstart", p), ()))
        if q is None:
            continue
        while span is not None and span.end <= p:
            span = next(spans, None)
        inside = span is not None and span.start <= p and q <= span.end
        yield Piece("del", text[p:q], rev[id(span)]) if inside else Piece("plain", text[p:q])


# ---- WordprocessingML ---------------------------------------------------------------
def _revision(tag: str, rev: int, date: str):
    el = OxmlElement(tag)
    el.set(qn("w:id"), str(rev))
    el.set(qn("w:author"), AUTHOR)
    el.set(qn("w:date"), date)
    return el


def _run(text: str, deleted: bool):
    """A run of text; tabs become w:tab so that Word shows them."""
    r = OxmlElement("w:r")
    for k, part in enumerate(text.split("\t")):
        if k:
            r.append(OxmlElement("w:tab"))
        if part:
            t = OxmlElement("w:delText" if deleted else "w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = xml_safe(part)
            r.append(t)
    return r


class _Body:
    """Appends paragraphs to the document body from a stream of pieces."""

    def __init__(self, doc, date: str):
        self.body = doc.element.body
        self.date = date
        self.p = None

    def new_paragraph(self):
        self.p = OxmlElement("w:p")
        self.body.insert_element_before(self.p, "w:sectPr")
        return self.p

    def _mark_paragraph(self, kind: str, rev: int) -> None:
        """This paragraph's mark (its line break) is a tracked insertion or deletion."""
        ppr = self.p.get_or_add_pPr()
        rpr = OxmlElement("w:rPr")
        rpr.append(_revision("w:ins" if kind == "ins" else "w:del", rev, self.date))
        ppr.append(rpr)

    def add(self, piece: Piece) -> None:
        if piece.kind in ("cstart", "cend"):
            self._comment_marker(piece)
            return
        lines = _BREAK.split(piece.text)
        for k, line in enumerate(lines):
            if k:
                if piece.kind != "plain":
                    self._mark_paragraph(piece.kind, piece.rev)
                self.new_paragraph()
            if line:
                self._text(piece, line)

    def _text(self, piece: Piece, line: str) -> None:
        run = _run(line, piece.kind == "del")
        if piece.kind == "plain":
            self.p.append(run)
            return
        wrap = _revision("w:" + piece.kind, piece.rev, self.date)
        wrap.append(run)
        self.p.append(wrap)

    def _comment_marker(self, piece: Piece) -> None:
        if piece.kind == "cstart":
            el = OxmlElement("w:commentRangeStart")
            el.set(qn("w:id"), str(piece.rev))
            self.p.append(el)
            return
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), str(piece.rev))
        self.p.append(end)
        ref = OxmlElement("w:r")  # the comment's mark in the text: no text of its own
        rpr = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "CommentReference")
        rpr.append(style)
        ref.append(rpr)
        cref = OxmlElement("w:commentReference")
        cref.set(qn("w:id"), str(piece.rev))
        ref.append(cref)
        self.p.append(ref)

    def drop_trailing_empty(self) -> None:
        """A line break that ends the text leaves an empty last paragraph; Word cannot
        show a final break, so drop it (moving any comment marker into the one before)."""
        p = self.p
        prev = p.getprevious() if p is not None else None
        if p is None or prev is None or prev.tag != qn("w:p") or p.xpath(".//w:t|.//w:delText|.//w:tab"):
            return
        if p.find(qn("w:pPr")) is not None:
            return  # its mark is tracked: keep it, it is part of a change
        for child in list(p):
            prev.append(child)
        p.getparent().remove(p)
        self.p = prev


# ---- comments -----------------------------------------------------------------------
def _edit_line(text: str, e: Edit) -> str:
    change = f"“{text[e.start:e.end]}” → “{e.replacement}”"
    st = edit_status(e)
    if st == "applied":
        return f"Applied (tracked change): {change}"
    if st == "rejected":
        return f"Not applied, rejected by the meaning guard ({e.reason.partition(':')[2] or e.reason}): {change}"
    return f"Suggested, not applied ({e.reason or 'no reason given'}): {change}"


def _finding_comment(r: Report, f: Finding) -> str:
    lines = [f"{f.severity.value} · {f.category.value} · {f.rule_id} ({f.origin.value}): {f.message}"]
    mine = [e for e in r.edits if e.finding_id == f.id]
    lines += [_edit_line(r.text, e) for e in mine]
    others = [x for x in f.replacements[1:]] if mine else list(f.replacements)
    if others:
        lines.append("Other replacements: " + " | ".join(f"“{x}”" for x in others))
    return xml_safe("\n".join(lines))


def _orphan_comment(r: Report, e: Edit) -> str:
    who = "Model" if e.rule_id.startswith("MDL:") else e.origin.value.capitalize()
    return xml_safe(f"{who} edit {e.rule_id}, no finding. {_edit_line(r.text, e)}")


def _comments(doc, r: Report) -> list[tuple[int, int, int]]:
    """Add one comment per finding (and per edit without a finding); their anchors."""
    anchors = []
    matched = {f.id for f in r.findings}  # an edit is told under the finding it fixes
    notes = [(f.start, f.end, _finding_comment(r, f)) for f in r.findings]
    notes += [(e.start, e.end, _orphan_comment(r, e)) for e in r.edits if e.finding_id not in matched]
    for start, end, body in sorted(notes, key=lambda n: (n[0], n[1])):
        c = doc.comments.add_comment(text=body, author=AUTHOR, initials=INITIALS)
        anchors.append((start, end, c.comment_id))
    return anchors


# ---- the document -------------------------------------------------------------------
def _track_revisions(doc) -> None:
    """Turn on Track Changes, so that the editor's own changes are tracked too."""
    settings = doc.settings.element
    if settings.find(qn("w:trackRevisions")) is not None:
        return
    # CT_Settings is a sequence: in python-docx's template trackRevisions belongs after
    # zoom and proofState (its only predecessors there), before defaultTabStop.
    before = [c for c in settings if c.tag in (qn("w:zoom"), qn("w:proofState"))]
    flag = OxmlElement("w:trackRevisions")
    if before:
        before[-1].addnext(flag)
    else:
        settings.insert(0, flag)


def _article(doc, r: Report, date: str, first_rev: int) -> int:
    """Write one document; returns the next free revision id."""
    text = r.text[1:] if r.text.startswith("\ufeff") else r.text
    shift = len(r.text) - len(text)  # the BOM is an encoding mark, not text: leave it out
    edits = [_shifted(e, shift) for e in r.edits if e.applied]
    anchors = [(max(a - shift, 0), max(b - shift, 0), c) for a, b, c in _comments(doc, r)]
    body = _Body(doc, date)
    body.new_paragraph()
    for piece in pieces(text, edits, anchors, first_rev):
        body.add(piece)
    body.drop_trailing_empty()
    return first_rev + 2 * len(edits)


def _shifted(e: Edit, by: int) -> Edit:
    return replace(e, start=max(e.start - by, 0), end=max(e.end - by, 0))


def build(reports: list[Report], now: Optional[dt.datetime] = None):
    """The python-docx Document for ``reports`` (one heading per document when several)."""
    doc = Document()
    date = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc.core_properties.author = AUTHOR
    doc.core_properties.title = xml_safe(reports[0].path) if len(reports) == 1 else f"{len(reports)} documents"
    doc.core_properties.comments = "mtqa: applied edits as tracked changes, findings as comments"
    _track_revisions(doc)
    # revision ids share one number space with comment ids in Word: start above them all
    rev = 1 + sum(len(r.findings) + len(r.edits) for r in reports)
    for k, r in enumerate(reports):
        if len(reports) > 1:
            if k:
                doc.add_page_break()
            doc.add_heading(xml_safe(r.path), level=1)
        rev = _article(doc, r, date, rev)
    return doc


def render(reports: list[Report]) -> bytes:
    """The .docx file as bytes (a binary format: the CLI writes it to -o FILE)."""
    buf = io.BytesIO()
    build(reports).save(buf)
    return buf.getvalue()
