"""Text -> segments.  Feed boilerplate lines (the MIL OSI header, the sponsor line, the
closing editor's note and source tag) become ``boilerplate`` segments that are kept as
they are and neither scored nor edited; every other paragraph is split into sentences.
Offsets are Python str offsets into the original text (BOM and CRLF included)."""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional, Sequence

from mtqa.errors import InputError
from mtqa.types import Segment

# Whole-line patterns of news-feed boilerplate (case-insensitive).
BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"post sponsored by\b.*",
        r"MIL[ -]OSI\b.*",
        r"editor[’'`]?s note\s*:.*",
        r"this article is a translation\..*",
        r"apologies should the grammar\b.*",
    )
)

# Abbreviations after which a period does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "pres", "no", "nos", "vol", "art", "fig", "p", "pp", "e.g", "i.e",
    "etc", "vs", "cf", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "inc", "ltd", "co", "corp", "mln",
    "bln", "thous", "rub", "ul", "g", "al",
}

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by space and a
# plausible sentence start.
_END = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)(?=[\"“‘«(\[]?[A-ZА-ЯЁ0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]$")  # "N.I" of "N.I.": letters joined by points


def _initials(before) -> bool:
    """Whether the word before a full stop is joined capital initials ("N.I", "V.V"), not
    "p.m" or "a.m"."""
    return bool(before) and before.group(1).isupper() and bool(_INITIALS.match(before.group(1)))


def is_boilerplate(line: str) -> bool:
    s = line.strip().lstrip("\ufeff")
    return bool(s) and any(p.fullmatch(s) for p in BOILERPLATE)


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line's content, without its line terminator."""
    pos = 0
    for m in re.finditer(r"\r\n|\r|\n", text):
        yield pos, m.start()
        pos = m.end()
    if pos < len(text):
        yield pos, len(text)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# No stage sees a longer sentence: spaCy (whose limit is 1,000,000 characters),
# LanguageTool and the rules get text without a sentence break cut at a space (or, with
# none, hard) every MAX_SENTENCE_CHARS characters.
MAX_SENTENCE_CHARS = 2000
# A document longer than this is refused (that document's input error; the batch goes on).
MAX_DOCUMENT_CHARS = 2_000_000
# So is one with a run this long and no sentence break: not prose (a dump, a broken file).
# Cut into 2,000-character pieces a megabyte of it took minutes of LanguageTool and spaCy.
MAX_UNBROKEN_CHARS = 100_000


def _cap(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans longer than MAX_SENTENCE_CHARS cut at the last whitespace before the limit."""
    out = []
    for s, e in spans:
        if e - s > MAX_UNBROKEN_CHARS:
            raise InputError(f"{e - s:,} characters without a sentence break at character {s:,} "
                             f"(mtqa's limit is {MAX_UNBROKEN_CHARS:,}): not prose, or a broken file")
        while e - s > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
            cut = cut if cut > s else s + MAX_SENTENCE_CHARS
            if 0xDC00 <= ord(text[cut]) <= 0xDFFF:  # never inside a surrogate pair
                cut += 1
            a, b = _strip_span(text, s, cut)
            if b > a:
                out.append((a, b))
            s, _ = _strip_span(text, cut, e)
        if e > s:
            out.append((s, e))
    return out


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (stripped of surrounding whitespace), none
    longer than MAX_SENTENCE_CHARS."""
    spans = []
    cur = start
    chunk = text[start:end]
    for m in _END.finditer(chunk):
        stop = start + m.end(2)
        if m.group(1) == ".":
            # the word before the full stop: a bounded look back keeps this linear
            before = _WORD_BEFORE.search(chunk, max(0, m.start(1) - 64), m.start(1))
            word = before.group(1).lower() if before else ""
            # Abbreviations, single initials ("S. Lavrov"), joined initials ("N.I. Pirogov",
            # "V.V. Putin") and the like.
            if word.rstrip(".") in _ABBREV or (len(word) == 1 and word.isalpha()) or _initials(before):
                continue
        s, e = _strip_span(text, cur, stop)
        if e > s:
            spans.append((s, e))
        cur = start + m.end(3)
    s, e = _strip_span(text, cur, end)
    if e > s:
        spans.append((s, e))
    return _cap(text, spans)


def segment_text(
    text: str,
    *,
    lines: bool = False,
    regions: Optional[Sequence[tuple[int, int]]] = None,
    boilerplate: bool = True,
) -> list[Segment]:
    """Split ``text`` into segments.

    lines:   every input line is one sentence segment (MT evaluation files), empty lines
             included, so results line up with the input.
    regions: only these (start, end) spans hold prose (Markdown/HTML inputs); the rest of
             the text is never segmented.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputError(f"document of {len(text):,} characters is over mtqa's limit of "
                         f"{MAX_DOCUMENT_CHARS:,}: split it")
    if lines:
        out = []
        for i, (s, e) in enumerate(_lines(text)):
            if s == 0 and text.startswith("\ufeff"):
                s = 1
            if e - s > MAX_SENTENCE_CHARS:
                raise InputError(f"line {i + 1} has {e - s:,} characters; --lines takes at most "
                                 f"{MAX_SENTENCE_CHARS:,} per line (one segment each)")
            out.append(Segment(start=s, end=e, text=text[s:e], kind="sentence", paragraph=i))
        return out
    out: list[Segment] = []
    para = 0
    for rs, re_ in regions if regions is not None else [(0, len(text))]:
        block_start: Optional[int] = None
        block_end = rs

        def flush() -> None:
            nonlocal block_start, para
            if block_start is None:
                return
            for s, e in split_sentences(text, block_start, block_end):
                out.append(Segment(start=s, end=e, text=text[s:e], kind="sentence", paragraph=para))
            para += 1
            block_start = None

        for ls, le in _offset_lines(text, rs, re_):
            line = text[ls:le]
            if not line.strip() or line.strip() == "\ufeff":
                flush()
            elif boilerplate and is_boilerplate(line):
                flush()
                s, e = _strip_span(text, ls, le)
                out.append(Segment(start=s, end=e, text=text[s:e], kind="boilerplate", paragraph=para))
                para += 1
            else:
                if block_start is None:
                    block_start = ls
                block_end = le
        flush()
    return out


def _offset_lines(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    for s, e in _lines(text[start:end]):
        yield s + start, e + start


def sentences(segments: Iterable[Segment]) -> list[Segment]:
    return [s for s in segments if s.kind == "sentence"]


def mask_text(text: str, masks: Sequence[tuple[int, int]]) -> str:
    """``text`` with the masked spans (inline markup inside prose: a link's target, a code
    span) blanked out, line breaks kept: the same length, so every offset into it is an
    offset into ``text``.  Segmentation and every check read this view."""
    if not masks:
        return text
    chars = list(text)
    for s, e in masks:
        chars[s:e] = [c if c in "\r\n" else " " for c in text[s:e]]
    return "".join(chars)


def touches_mask(start: int, end: int, masks: Sequence[tuple[int, int]]) -> bool:
    """Whether the span [start, end) overlaps a masked span: such a finding speaks of the
    blanks (a doubled space where a link target was) and such an edit would overwrite
    markup, so neither is kept."""
    if start == end:  # an insertion: only strictly inside a masked span
        return any(s < start < e for s, e in masks)
    return any(s < end and start < e for s, e in masks)


_CLOSING = tuple(",.;:!?)]»”")


def reading_text(text: str, start: int, end: int, masks: Sequence[tuple[int, int]]) -> str:
    """text[start:end] as a reader sees it: masked markup dropped (an entity reference such
    as ``&amp;`` read as its character), runs of white space closed up.  For a model that
    reads whole sentences (the quality estimate), where blanks would be noise ("Germany ,"
    for ``<b>Germany</b>,``)."""
    import html

    out, pos = [], start
    for s, e in sorted(masks):
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(text[pos:s])
        piece = text[s:e]
        if piece.startswith("&") and piece.endswith(";"):
            out.append(html.unescape(piece))
        elif text[e:e + 1] in _CLOSING and out:  # "in `code`, said" reads "in, said"
            out[-1] = out[-1].rstrip()
        pos = e
    out.append(text[pos:end])
    return " ".join("".join(out).split())


# A URL with a scheme or "www.", up to the punctuation that ends its sentence.
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)\S+?(?=[.,;:!?)\]»”\"']*(?:\s|$))", re.IGNORECASE)
URL_STAND_IN = "example.com"


def urls_read_plainly(text: str) -> str:
    """``text`` with each URL in a non-Latin script read as the plain domain
    ``example.com``.  For the quality estimate: a Cyrillic address is the site's real
    address, not untranslated text, but the estimate's script features read it as such
    and scored a sentence that merely quotes one ("The official website of the Award:
    https://премияарсеньева.рф/.") 8 of 100 (93.8 with the stand-in).  A Latin URL is
    left as it is: it scored 91-93 in the same sentences."""
    return _URL.sub(lambda m: m.group(0) if m.group(0).isascii() else URL_STAND_IN, text)


def token_at(text: str, start: int, end: int) -> str:
    """The whitespace-delimited token of ``text`` around text[start:end]."""
    a, b = start, end
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    return text[a:b]

