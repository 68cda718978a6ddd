"""Markdown -> prose regions with offsets into the original markdown.

A mask over the text starts all-prose and non-prose spans are cut out: front matter,
fenced and indented code, HTML comments, reference definitions, block markers (``#``,
``>``, list bullets, table pipes) and rules.  Inline markup - code spans, images, link
targets (``](url)``, ``][ref]``) and brackets, autolinks, bare URLs, HTML tags and
emphasis delimiters (``**``, ``_``) - is *masked* instead: it stays inside its region, so "the [minister](url) said" is one
sentence, and the checker sees blanks there (mtqa.segment.mask_text) and edits nothing
in it.  Link text stays prose.  A heading or table row ends its region, so it is
never glued to the next line's sentence.  Regions with no letter or digit are dropped.

Which lines are code is read by a CommonMark parser (markdown-it-py: the block structure
and its line map), so an indented line is code only where CommonMark says so (not a list
item's continuation) and a fence inside a list or a quote is found.  The rest is a line
scanner: code spans across lines are handled approximately, always erring towards "not
prose"."""
from __future__ import annotations

import re

from mtqa.inputs.suppress import Suppression, from_comments

_FRONT = re.compile(r"\A\ufeff?(---|\+\+\+)[ \t]*\r?\n.*?^(?:\1|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")
_RULE = re.compile(r"^ {0,3}(?:([-*_])[ \t]*(?:\1[ \t]*){2,}|=+[ \t]*)$")
_TABLE_DELIM = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_TAIL = re.compile(r"[ \t]+#+[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_INLINE_SKIP = re.compile(
    r"!\[[^\]]*\]\([^)]*\)"  # image
    r"|!\[[^\]]*\]\[[^\]]*\]"  # reference image
    r"|<(?:https?|ftp|mailto):[^>\s]*>"  # autolink
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # HTML tag
    r"|(?:https?://|ftp://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]"  # bare URL
)
# Emphasis delimiters (``**x**``, ``__x__``, ``*x*``, ``_x_``; not inside a word for "_").
_EMPHASIS = re.compile(
    r"(?<![*\w])(\*\*|__)(?=\S)(?:.+?)(?<=\S)\1(?![*\w])"
    r"|(?<![*\w])(\*)(?=[^\s*])(?:[^*\n]*?[^\s*])?\*(?![*\w])"
    r"|(?<![\w_])(_)(?=[^\s_])(?:[^_\n]*?[^\s_])?_(?![\w_])")
_LINK = re.compile(r"\[([^\[\]]*)\](\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)|\[[^\]]*\])")
_EDGE = " \t\r\n*_~\ufeff"


def _lines(text: str) -> list[tuple[int, int, int]]:
    """(start, end-of-content, end-including-terminator) for each line."""
    out = []
    pos = 1 if text.startswith("\ufeff") else 0  # the BOM is not part of line 1
    for m in re.finditer(r"\r\n|\r|\n", text):
        out.append((pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text), len(text)))
    return out


def _code_spans(line: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while True:
        m = re.compile(r"`+").search(line, i)
        if not m:
            return spans
        close = re.compile(r"(?<!`)" + m.group() + r"(?!`)").search(line, m.end())
        if not close:
            return spans
        spans.append((m.start(), close.end()))
        i = close.end()


def _code_lines(text: str, front_end: int) -> set[int]:
    """Numbers of the lines that are code - fenced or indented blocks, also inside lists
    and quotes - as a CommonMark parser (markdown-it-py) reads the block structure.  The
    front matter is blanked first (its line count kept), so that its ``---`` is not read
    as a rule or a heading underline."""
    from markdown_it import MarkdownIt

    src = re.sub(r"[^\r\n]", " ", text[:front_end]) + text[front_end:]
    lines: set[int] = set()
    for tok in MarkdownIt("commonmark").parse(src):
        if tok.type in ("fence", "code_block") and tok.map:
            lines.update(range(*tok.map))
    return lines


PROSE, HIDDEN = 1, 2  # the mask's values; 0: cut (not prose, and a region ends there)


def markdown_prose(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[Suppression]]:
    """(regions, masks, suppressions): the prose regions of ``text``, the inline markup
    inside them that is not prose (code spans, link targets and brackets, images,
    autolinks, bare URLs, inline HTML tags: the checker blanks these out and never edits
    them), and the inline suppression comments."""
    prose = bytearray([PROSE]) * len(text)
    if text.startswith("\ufeff"):
        prose[0] = 0

    def cut(s: int, e: int) -> None:
        prose[s:e] = bytes(e - s)

    def hide(s: int, e: int) -> None:
        prose[s:e] = bytes(prose[s:e]).replace(b"\x01", b"\x02")

    m = _FRONT.match(text)
    if m:
        cut(0, m.end())
    lines = _lines(text)
    code_lines = _code_lines(text, m.end() if m else 0)
    for n in sorted(code_lines):
        if n < len(lines):
            ls, _, lt = lines[n]
            cut(ls, lt)

    comments = []
    for cm in _COMMENT.finditer(text):
        if prose[cm.start()]:
            comments.append((cm.start(), cm.end(), cm.group(1)))
            cut(cm.start(), cm.end())
    if "<!--" in text:  # an unterminated comment hides the rest, as a browser would
        i = text.rfind("<!--")
        if prose[i] and "-->" not in text[i:]:
            cut(i, len(text))

    in_table = False
    for n, (ls, le, lt) in enumerate(lines):
        if n in code_lines:
            continue
        line = text[ls:le]
        if not line.strip():
            in_table = False
            continue
        if _REFDEF.match(line) or _RULE.match(line):
            cut(ls, lt)
            continue
        if "|" in line and _TABLE_DELIM.match(line) and "-" in line:
            in_table = True
            cut(ls, lt)
            continue
        h = _HEADING.match(line)
        if h:
            cut(ls, ls + h.end())
            t = _HEADING_TAIL.search(line)
            if t:
                cut(ls + t.start(), le)
            cut(le, lt)  # a heading is its own sentence
        q = _QUOTE.match(line)
        if q:
            cut(ls, ls + q.end())
        rest = q.end() if q else 0
        li = _LIST.match(line, rest)
        if li:
            cut(ls + rest, ls + li.end())
        if in_table or line.lstrip().startswith("|"):
            for i, ch in enumerate(line):
                if ch == "|":
                    cut(ls + i, ls + i + 1)
            cut(le, lt)
        # inline markup is masked, not cut: the sentence around it stays one sentence
        for s, e in _code_spans(line):
            hide(ls + s, ls + e)
        for im in _INLINE_SKIP.finditer(line):
            hide(ls + im.start(), ls + im.end())
        for lk in _LINK.finditer(line):
            hide(ls + lk.start(), ls + lk.start() + 1)  # "["
            hide(ls + lk.end(1), ls + lk.end())  # "](target)" / "][ref]"
        for em in _EMPHASIS.finditer(line):
            n = len(em.group(1) or em.group(2) or em.group(3))
            a, b = ls + em.start(), ls + em.end()
            if all(prose[i] == PROSE for i in (*range(a, a + n), *range(b - n, b))):  # not in code or a URL
                hide(a, a + n)
                hide(b - n, b)

    regions, masks = [], []
    for rm in re.finditer(rb"[\x01\x02]+", bytes(prose)):
        s, e = rm.start(), rm.end()
        while s < e and (text[s] in _EDGE or prose[s] == HIDDEN):
            s += 1
        while e > s and (text[e - 1] in _EDGE or prose[e - 1] == HIDDEN):
            e -= 1
        if any(text[i].isalnum() and prose[i] == PROSE for i in range(s, e)):
            regions.append((s, e))
            masks += [(s + m.start(), s + m.end()) for m in re.finditer(rb"\x02+", bytes(prose[s:e]))]
    return regions, masks, from_comments(text, comments)
