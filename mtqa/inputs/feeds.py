"""RSS 2.0 and Atom feeds: every item/entry becomes one Document.

Path: ``FEED#GUID`` (RSS guid, else link; Atom id, else link), or ``FEED#N`` (1-based)
when an item has neither.  Text: title, a blank line, then the description (RSS:
content:encoded when present) or Atom content/summary with HTML stripped and entities
decoded.  Offsets are into this derived text, not into the feed XML: `mtqa fix` cannot
write them back into the feed.

Feeds come from outside, so they are parsed with defusedxml: a feed that declares
entities (the "billion laughs" expansion) or refers to external ones is refused with
a one-line error instead of being expanded or fetched."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from mtqa.errors import InputError
from mtqa.inputs.html import html_to_text

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def is_feed(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:2048]
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head) or head.startswith(("<rss", "<feed"))


def _text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _item_text(title: str, body: str) -> str:
    title = " ".join(html_to_text(title).split())
    body = html_to_text(body)
    return "\n\n".join(p for p in (title, body) if p) + "\n"


def parse_feed(text: str, name: str) -> list[tuple[str, str]]:
    """(item path, derived text) for every item.  Raises InputError on malformed XML or
    an XML document that is neither RSS 2.0 nor Atom."""
    try:
        root = SafeET.fromstring(text.lstrip("\ufeff"))
    except defusedxml.DefusedXmlException as exc:
        raise InputError(f"{name}: feed XML refused: {type(exc).__name__} "
                         "(entity declarations and external references are not read)") from None
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputError(f"{name}: malformed feed XML at line {line}, column {col + 1} ({str(exc).split(':')[0]})") from None
    items: list[tuple[str, str]] = []
    if root.tag == "rss":
        channel = root.find("channel")
        for n, it in enumerate(channel.findall("item") if channel is not None else [], 1):
            body = it.find(CONTENT)
            body = body if body is not None and _text(body).strip() else it.find("description")
            key = (it.findtext("guid") or it.findtext("link") or "").strip() or str(n)
            items.append((f"{name}#{key}", _item_text(_text(it.find("title")), _text(body))))
    elif root.tag == f"{ATOM}feed":
        for n, e in enumerate(root.findall(f"{ATOM}entry"), 1):
            body = e.find(f"{ATOM}content")
            body = body if body is not None and _text(body).strip() else e.find(f"{ATOM}summary")
            link = e.find(f"{ATOM}link")
            key = (e.findtext(f"{ATOM}id") or (link.get("href") if link is not None else "") or "").strip() or str(n)
            items.append((f"{name}#{key}", _item_text(_text(e.find(f"{ATOM}title")), _text(body))))
    else:
        raise InputError(f"{name}: not an RSS 2.0 or Atom feed (root element <{root.tag}>)")
    return items
