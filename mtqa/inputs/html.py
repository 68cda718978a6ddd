"""HTML -> prose regions with offsets into the original markup (stdlib html.parser, which
never gives up on broken markup and reports positions).

A region is the raw text of the body between block boundaries (block elements such as
``<p>``, ``<li>``, ``<br>``, comments, and skipped elements).  Not prose: tags and
attribute values, comments, the head, and the content of script/style/code/pre/textarea/
template/noscript/svg/math.  Inline markup inside a region - the tags of ``<a>``, ``<b>``,
``<span>`` and the like, an inline ``<code>`` element, entity and character references
(``&amp;``, ``&#8212;``) - is *masked*: the sentence around it stays one sentence, the
checker sees blanks there (mtqa.segment.mask_text), and no edit touches it, so what is
edited is always literal prose.

``html_to_text`` is the other way round, for feed items: decoded text, one paragraph per
block element, offsets into that derived text only."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from mtqa.errors import InputError
from mtqa.inputs.suppress import Suppression, from_comments

SKIP = {"head", "title", "script", "style", "code", "pre", "textarea", "template", "noscript", "svg", "math"}
INLINE_SKIP = {"code"}  # skipped, but inside a sentence: masked, not a break
_MARKUP_RUN = re.compile(r"(?:<[^>]*>|[^\s<])+")  # tags (spaces inside them too) and what touches them
BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "tr", "table", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "dd", "dt", "dl", "pre", "aside", "main", "nav",
}


class _Regions(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.skip = 0
        self.regions: list[tuple[int, int]] = []
        self.masks: list[tuple[int, int]] = []
        self.joinable = False  # the next text continues the last region (only inline markup between)
        self.comments: list[tuple[int, int, str]] = []
        self.tags = 0
        self.closing = False
        self.leftover: tuple[int, int] | None = None

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _boundary(self, tag: str) -> None:
        if tag in BLOCK or (tag in SKIP and tag not in INLINE_SKIP):
            self.joinable = False

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        self._boundary(tag)
        if tag in SKIP:
            self.skip += 1

    def handle_endtag(self, tag):
        self.tags += 1
        self._boundary(tag)
        if tag in SKIP and self.skip:
            self.skip -= 1

    def handle_startendtag(self, tag, attrs):
        self.tags += 1  # <code/> opens nothing
        self._boundary(tag)

    def handle_comment(self, data):
        self.joinable = False
        start = self._offset()
        # getpos() is at the comment's start; the comment is "<!--" data "-->".
        self.comments.append((start, start + len(data) + 7, data))

    def handle_data(self, data):
        start = self._offset()
        if self.closing and (self.leftover or data.startswith("<")):
            # close() flushes an unterminated tag or comment as data (from its "<" on):
            # markup, not prose.
            self.leftover = self.leftover or self.getpos()
            return
        if self.skip or not data.strip():
            return
        if self.text[start : start + len(data)] != data:  # pragma: no cover - parser drift
            start = self.text.find(data, start)
            if start < 0:
                return
        end = start + len(data)
        if self.regions and self.regions[-1][1] == start:
            # The parser splits literal text at a bare "&"; it is still one text run.
            start = self.regions.pop()[0]
        elif self.regions and self.joinable and self.regions[-1][1] < start:
            # only inline tags, entities or an inline <code> since the last text: one region
            prev_start, prev_end = self.regions.pop()
            # the markup, not the spaces between it ("</a> <b>"): those stay prose
            self.masks += [(m.start(), m.end())
                           for m in _MARKUP_RUN.finditer(self.text, prev_end, start)]
            start = prev_start
        self.regions.append((start, end))
        self.joinable = True


def html_prose(text: str, name: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[Suppression]]:
    """(regions, masks, suppressions): the prose regions, the inline markup inside them
    (masked for the checks, never edited) and the inline suppression comments."""
    p = _Regions(text)
    try:
        p.feed(text)
        p.closing = True
        p.close()
    except Exception as exc:  # html.parser is lenient; guard its rare assertion failures
        raise InputError(f"{name}: cannot parse HTML ({exc})") from None
    if not p.regions and p.leftover and text.strip():
        line, col = p.leftover
        raise InputError(
            f"{name}: broken HTML: unterminated tag or comment at line {line}, column {col + 1}; no text could be parsed"
        )
    regions = []
    for s, e in p.regions:
        s, e = s + len(text[s:e]) - len(text[s:e].lstrip()), s + len(text[s:e].rstrip())
        regions.append((s, e))
    return regions, p.masks, from_comments(text, p.comments)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK:
            self.parts.append("\n\n")
        if tag in SKIP:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in SKIP and self.skip:
            self.skip -= 1
        if tag in BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: entities decoded, one paragraph per block."""
    p = _Text()
    p.feed(fragment)
    p.close()
    paras = []
    for para in re.split(r"\n\s*\n", "".join(p.parts)):
        line = " ".join(para.split())
        if line:
            paras.append(line)
    return "\n\n".join(paras)
