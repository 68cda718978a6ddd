"""Batch inputs: discovery, Markdown/HTML prose regions (offsets into the original
markup), RSS/Atom items, per-file problems, and inline suppression comments."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mtqa.errors import InputError
from mtqa.inputs import discover, load, load_all, suppressed
from mtqa.inputs.markdown import markdown_prose
from mtqa.segment import segment_text
from mtqa.types import Category, Finding, Severity

MARKDOWN = """---
title: "Front matter is not prose"
tags: [a, b]
---
# Lavrov met the delegation

Sergei Lavrov **met** the [foreign minister](https://mid.ru/press?id=1 "MID") on
Monday. The talks lasted `three hours` in total. Details: https://example.com/a.b/c.

```python
print("fenced code is not prose")
```

    indented code is not prose

- Item one mentions <span class="tag-attr">inline html</span> here.
- Item two: see [the report][ref] again.
> A quoted line of prose.

| Column head | Other head |
|-------------|------------|
| Cell prose  | More cells |

![alt text of an image](img/photo.png)
<!-- a plain comment is not prose -->
Last paragraph <https://autolink.example/x> ends here.

[ref]: https://reference.example/target
"""

NOT_PROSE = [
    "Front matter is not prose", "https://mid.ru/press?id=1", '"MID"', "three hours",
    "https://example.com/a.b/c", "fenced code is not prose", "indented code is not prose",
    'class="tag-attr"', "<span", "</span>", "[ref]", "alt text of an image", "img/photo.png",
    "a plain comment is not prose", "https://autolink.example/x", "https://reference.example/target",
    "# ", "| ", "|---",
]
PROSE = [
    "Lavrov met the delegation", "Sergei Lavrov **met** the", "foreign minister", "Monday.",
    "The talks lasted", "in total.", "Item one mentions", "inline html", "the report", "again.",
    "A quoted line of prose.", "Column head", "Cell prose", "Last paragraph", "ends here.",
]


def _spans(text, needles):
    for n in needles:
        i = text.index(n)
        yield n, i, i + len(n)


def _check_regions(text, regions, masks=()):
    """Not-prose needles lie outside every region or wholly inside a mask (inline markup,
    blanked for the checks); prose needles lie inside a region and touch no mask."""
    for s, e in regions:
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
    for ms, me in masks:
        assert any(rs <= ms and me <= re_ for rs, re_ in regions), f"mask {text[ms:me]!r} outside the regions"
    def masked(i):
        return any(ms <= i < me for ms, me in masks)

    for needle, s, e in _spans(text, NOT_PROSE if text is MARKDOWN else HTML_NOT_PROSE):
        if all(masked(i) for i in range(s, e) if not text[i].isspace()):
            continue
        hits = [(rs, re_) for rs, re_ in regions if rs < e and re_ > s]
        assert not hits, f"{needle!r} overlaps region {text[hits[0][0]:hits[0][1]]!r}"
    for needle, s, e in _spans(text, PROSE if text is MARKDOWN else HTML_PROSE):
        assert any(rs <= s and e <= re_ for rs, re_ in regions), f"{needle!r} not in a prose region"
        assert not any(masked(i) for i in range(s, e) if text[i].isalnum()), f"{needle!r} is masked"


def test_markdown_regions_are_prose_of_the_original(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(MARKDOWN, encoding="utf-8")
    [doc] = load(str(p))
    assert doc.kind == "markdown" and doc.text == MARKDOWN
    _check_regions(MARKDOWN, doc.regions, doc.masks)


def test_markdown_wrapped_paragraph_is_one_sentence_and_heading_stands_alone():
    text = "## Talks in Moscow\nThe minister said that\nthe talks went well. They ended.\n"
    regions, _, _ = markdown_prose(text)
    sents = [s.text for s in segment_text(text, regions=regions)]
    assert sents == ["Talks in Moscow", "The minister said that\nthe talks went well.", "They ended."]


def test_markdown_code_blocks_are_read_as_commonmark_reads_them():
    """Code lines come from a CommonMark parser (markdown-it-py): a list item's indented
    continuation paragraph is prose, while a fence inside a list item, an indented block after a
    paragraph break and an unclosed fence are code."""
    text = ("1. The minister arrived.\n\n    He said that talks went well.\n\n"
            "   ```\n   fenced inside the item\n   ```\n\n"
            "After the list.\n\n    indented code block\n\n~~~\nunclosed fence to the end\n")
    regions, _, _ = markdown_prose(text)
    texts = [text[s:e] for s, e in regions]
    assert any("He said that talks went well." in t for t in texts) and "After the list." in texts
    assert not any(w in t for t in texts for w in ("fenced inside", "indented code", "unclosed fence", "~~~", "```"))
    # code inside a quote: the line scanner before markdown-it-py took both for prose
    for quoted in ("> The minister spoke.\n>\n> ```\n> print('code in a quote')\n> ```\n",
                   "> The minister spoke.\n>\n>     code in a quote\n"):
        regions, _, _ = markdown_prose(quoted)
        assert [quoted[s:e] for s, e in regions] == ["The minister spoke."]


def test_markdown_crlf_and_bom_offsets():
    text = "\ufeff# Title\r\n\r\nFirst line `x = 1` end.\r\n"
    regions, masks, _ = markdown_prose(text)
    assert [text[s:e] for s, e in regions] == ["Title", "First line `x = 1` end."]
    assert [text[s:e] for s, e in masks] == ["`x = 1`"]  # the code span is masked, not a break


HTML = """<!DOCTYPE html>
<html><head><title>Head title is not prose</title>
<style>p.lead { color: red }</style></head>
<body>
<h1 class="headline">Moscow talks</h1>
<p data-note="attribute value">The minister said the talks went well.</p>
<p>Prices rose by 5 &percnt; over the year &mdash; a record.</p>
<script>var s = "script is not prose";</script>
<pre>preformatted is not prose</pre>
<p>Use <code>inline code is not prose</code> here. <a href="https://site.example/x">Link text</a> too.</p>
<!-- an html comment is not prose -->
</body></html>
"""
HTML_NOT_PROSE = ["Head title is not prose", "p.lead", "headline", "attribute value", "&percnt;", "&mdash;",
                  "script is not prose", "preformatted is not prose", "inline code is not prose",
                  "https://site.example/x", "an html comment is not prose", "<p>", "</a>"]
HTML_PROSE = ["Moscow talks", "The minister said the talks went well.", "Prices rose by 5", "over the year",
              "a record.", "Use", "here.", "Link text", "too."]


def test_html_regions_are_text_nodes_of_the_original(tmp_path):
    p = tmp_path / "a.html"
    p.write_text(HTML, encoding="utf-8")
    [doc] = load(str(p))
    assert doc.kind == "html"
    _check_regions(HTML, doc.regions, doc.masks)
    # inline markup and entities are masked inside one sentence, not breaks
    texts = [HTML[s:e] for s, e in doc.regions]
    assert "Prices rose by 5 &percnt; over the year &mdash; a record." in texts
    assert any(t.startswith("Use <code>") and t.endswith("Link text</a> too.") for t in texts)
    assert {HTML[s:e] for s, e in doc.masks} >= {"&percnt;", "&mdash;", "<code>inline", "prose</code>",
                                                 '<a href="https://site.example/x">', "</a>"}


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Feed</title>
<item><title>Talks &amp; trade</title><guid>urn:item:1</guid>
<description><![CDATA[<p>First paragraph &mdash; ok.</p><p>Second <b>bold</b> one.</p>]]></description></item>
<item><title>No guid</title><description>Plain description.</description>
<content:encoded><![CDATA[<p>Full content wins.</p>]]></content:encoded></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom feed</title>
<entry><title>Entry one</title><id>tag:example.org,2024:1</id>
<content type="html">&lt;p&gt;Escaped &amp;amp; HTML.&lt;/p&gt;</content></entry>
<entry><title type="text">Entry two</title><link href="https://example.org/2"/>
<summary>Only a summary.</summary></entry>
</feed>
"""


def test_rss_items(tmp_path):
    p = tmp_path / "news.rss"
    p.write_text(RSS, encoding="utf-8")
    docs = load(str(p))
    assert [d.path for d in docs] == [f"{p}#urn:item:1", f"{p}#2"]
    assert docs[0].text == "Talks & trade\n\nFirst paragraph — ok.\n\nSecond bold one.\n"
    assert docs[1].text == "No guid\n\nFull content wins.\n"
    assert all(d.kind == "feed-item" and d.regions is None for d in docs)


def test_atom_entries(tmp_path):
    p = tmp_path / "news.atom"
    p.write_text(ATOM, encoding="utf-8")
    docs = load(str(p))
    assert [d.path.split("#", 1)[1] for d in docs] == ["tag:example.org,2024:1", "https://example.org/2"]
    assert [d.text for d in docs] == ["Entry one\n\nEscaped & HTML.\n", "Entry two\n\nOnly a summary.\n"]


def _batch(tmp_path, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text("A fine sentence.\n", encoding="utf-8")
    feed = tmp_path / "bad.rss"
    feed.write_text("<rss><channel><item><title>x</title></channel></rss>", encoding="utf-8")
    html = tmp_path / "broken.html"
    html.write_text("<html><body><div class='x", encoding="utf-8")
    cyr = tmp_path / "cp1251.txt"
    cyr.write_bytes("Министр сказал, что переговоры прошли хорошо.".encode("cp1251"))
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    dir_like = tmp_path / "folder.txt"
    dir_like.mkdir()
    denied = tmp_path / "denied.md"
    denied.write_text("secret", encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self):  # root ignores chmod 000, so refuse this one path by hand
        if self.name == "denied.md":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    good2 = tmp_path / "z.md"
    good2.write_text("Last *good* file.\n", encoding="utf-8")
    paths = [str(p) for p in (good, feed, html, cyr, fifo, dir_like, denied, tmp_path / "missing.txt", good2)]
    return paths


def test_bad_files_are_problems_and_the_batch_goes_on(tmp_path, monkeypatch):
    paths = _batch(tmp_path, monkeypatch)
    docs, problems = load_all(paths)
    assert [Path(d.path).name for d in docs] == ["good.txt", "z.md"]
    msgs = {Path(p.path).name: p.message for p in problems}
    assert "malformed feed XML at line 1" in msgs["bad.rss"]
    assert "broken HTML" in msgs["broken.html"] and "line 1" in msgs["broken.html"]
    assert "invalid UTF-8 at byte offset 0" in msgs["cp1251.txt"] and "cp1251" in msgs["cp1251.txt"]
    assert "not a regular file" in msgs["fifo.txt"]
    assert "is a directory" in msgs["folder.txt"]
    assert "permission denied" in msgs["denied.md"]
    assert "no such file" in msgs["missing.txt"]
    for p in problems:
        assert "\n" not in p.message and p.message.startswith(p.path)


def test_not_a_feed_and_lenient_html(tmp_path):
    x = tmp_path / "data.xml"
    x.write_text("<catalog><book/></catalog>", encoding="utf-8")
    with pytest.raises(InputError, match="not an RSS 2.0 or Atom feed"):
        load(str(x))
    h = tmp_path / "sloppy.html"
    h.write_text("<p>Unclosed paragraph <b>bold<p>Next one</div> stray & end", encoding="utf-8")
    [doc] = load(str(h))
    assert [doc.text[s:e] for s, e in doc.regions] == ["Unclosed paragraph <b>bold", "Next one", "stray & end"]
    assert [doc.text[s:e] for s, e in doc.masks] == ["<b>"]


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss version="2.0"><channel><item><title>&c;</title><description>Text.</description></item></channel></rss>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&x;</title><description>Text.</description></item></channel></rss>
"""


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_hostile_feed_is_refused_in_one_line(tmp_path, xml):
    """Feeds come from outside: entity declarations are refused (defusedxml), neither
    expanded nor fetched, with a one-line error naming the file."""
    f = tmp_path / "hostile.rss"
    f.write_text(xml, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load(str(f))
    msg = str(info.value)
    assert msg.startswith(f"{f}: feed XML refused: EntitiesForbidden") and "\n" not in msg
    assert "root:" not in msg and "hahaha" not in msg


def test_stdin_kind_is_sniffed(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RSS.encode())))
    assert [d.kind for d in load("-")] == ["feed-item", "feed-item"]


def test_discover(tmp_path):
    for rel in ["b/one.md", "a/two.txt", "a/skip.pdf", ".hidden/x.txt", "a/.dot.txt", "a/drafts/d.txt", "c.html"]:
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x", encoding="utf-8")
    explicit = tmp_path / "a" / "skip.pdf"
    got = discover([str(tmp_path), str(explicit), "-", str(tmp_path / "c.html")], exclude=["drafts/"])
    rel = [os.path.relpath(p, tmp_path) if p != "-" else p for p in got]
    assert rel == ["c.html", "a/two.txt", "b/one.md", "a/skip.pdf", "-"]
    only_md = discover([str(tmp_path)], include=["*.md"])
    assert [os.path.relpath(p, tmp_path) for p in only_md] == ["b/one.md"]
    assert discover(["missing.txt"]) == ["missing.txt"]  # load() reports it


def _f(text, needle, rule="ART001"):
    s = text.index(needle)
    return Finding(rule, Category.GRAMMAR, Severity.MINOR, s, s + len(needle), "m")


def test_suppression_comments_in_markdown():
    text = (
        "Before one.\n<!-- mtqa-disable ART,num -->\nInside one. Inside two.\n<!-- mtqa-enable -->\n"
        "After one.\n<!-- mtqa-disable-next-line PAS001 -->\nNext line.\nLine after.\n"
        "<!-- mtqa-disable -->\nAll off.\n"
    )
    _, _, sups = markdown_prose(text)
    assert suppressed(_f(text, "Inside one", "ART002"), sups)
    assert suppressed(_f(text, "Inside two", "NUM001"), sups)  # ids are case-insensitive prefixes
    assert not suppressed(_f(text, "Inside one", "PAS001"), sups)
    assert not suppressed(_f(text, "Before one", "ART002"), sups)
    assert not suppressed(_f(text, "After one", "ART002"), sups)
    assert suppressed(_f(text, "Next line", "PAS001"), sups)
    assert not suppressed(_f(text, "Next line", "PAS002"), sups)
    assert not suppressed(_f(text, "Line after", "PAS001"), sups)
    assert suppressed(_f(text, "All off", "LT:EN_A_VS_AN"), sups)


def test_suppression_comments_in_html_and_enable_by_id(tmp_path):
    text = ("<p><!-- mtqa-disable ART --><!-- mtqa-disable NUM -->One.</p>"
            "<!-- mtqa-enable NUM --><p>Two.</p><!-- mtqa-enable --><p>Three.</p>")
    p = tmp_path / "s.html"
    p.write_text(text, encoding="utf-8")
    [doc] = load(str(p))
    assert suppressed(_f(text, "One", "NUM001"), doc.suppressions)
    assert not suppressed(_f(text, "Two", "NUM001"), doc.suppressions)
    assert suppressed(_f(text, "Two", "ART001"), doc.suppressions)
    assert not suppressed(_f(text, "Three", "ART001"), doc.suppressions)


NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "wmt22-ru-en" / "news"


def _articles(limit=40):
    """WMT22 news reference articles (doc_id -> lines in seg_in_doc order)."""
    if not (NEWS / "segments.tsv").is_file():
        pytest.skip("shared data not present")
    rows = (NEWS / "segments.tsv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split("\t")
    lines = (NEWS / "ref.A.en").read_text(encoding="utf-8").splitlines()
    docs: dict[str, list[tuple[int, str]]] = {}
    for row, line in zip(rows[1:], lines):
        r = dict(zip(header, row.split("\t")))
        docs.setdefault(r["doc_id"], []).append((int(r["seg_in_doc"]), line))
    return [[t for _, t in sorted(v)] for _, v in sorted(docs.items())[:limit]]


@pytest.mark.shared_data
def test_real_articles_as_markdown_and_html_keep_every_plain_sentence(tmp_path):
    import html as htmlmod

    checked = 0
    for n, segs in enumerate(_articles()):
        md = tmp_path / f"{n}.md"
        md.write_text(f"# {segs[0]}\n\n" + "\n\n".join(segs[1:]) + "\n", encoding="utf-8")
        ht = tmp_path / f"{n}.html"
        ht.write_text("<html><body>" + "".join(f"<p>{htmlmod.escape(s, quote=False)}</p>\n" for s in segs)
                      + "</body></html>", encoding="utf-8")
        [mdoc], [hdoc] = load(str(md)), load(str(ht))
        for doc in (mdoc, hdoc):
            texts = [doc.text[s:e] for s, e in doc.regions]
            for seg in segs:
                seg = seg.strip()
                if not seg or any(c in seg for c in "*_`[]<>&|#\\") or "http" in seg or "www." in seg:
                    continue  # markup characters: the region may rightly be cut there
                # HTML: one <p> is one region; Markdown regions may hold several paragraphs.
                ok = seg in texts if doc.kind == "html" else any(seg in t for t in texts)
                assert ok, f"{doc.path}: {seg!r} is not inside one prose region"
                checked += 1
    assert checked > 500


_MARKUP = st.lists(st.sampled_from(list("ab .,&;#*_`[]()<>!|-=~:/\\\n\r\t") + [
    "<!--", "-->", "```", "http://x.y", "&amp;", "<p>", "</p>", "<script>", "</script>",
    "<!-- mtqa-disable A -->", "<!-- mtqa-enable -->", "    ", "\ufeff", "😀"]), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
def test_regions_are_ordered_trimmed_spans_for_any_markup(text):
    """Regions are ordered, trimmed spans; masks lie inside them, never at their edges; the
    segmenter takes the masked view."""
    from mtqa.inputs.html import html_prose
    from mtqa.segment import mask_text

    try:
        parsed = [markdown_prose(text), html_prose(text, "x.html")]
    except InputError as exc:  # only HTML with nothing parseable, or that html.parser rejects ("<![ "), may be refused
        assert ("broken HTML" in str(exc) or "cannot parse HTML" in str(exc)) and "\n" not in str(exc)
        parsed = [markdown_prose(text)]
    for regions, masks, sups in parsed:
        last = 0
        for s, e in regions:
            assert last <= s < e <= len(text)
            assert text[s:e].strip() == text[s:e]
            last = e
        last = 0
        for s, e in masks:
            assert last <= s < e, (s, e)
            last = e
            inside = [(rs, re_) for rs, re_ in regions if rs <= s and e <= re_]
            assert inside and inside[0][0] < s and e < inside[0][1], "a mask at a region's edge"
        for sup in sups:
            assert 0 <= sup.start <= sup.end <= len(text)
        segment_text(mask_text(text, masks), regions=regions)  # the segmenter accepts them


def test_masked_sentence_reads_as_its_plain_text():
    """What the quality estimate reads of a sentence with markup: the words, with no trace
    of the markup (blanks before a comma had made it score 0/100)."""
    from mtqa.inputs.html import html_prose
    from mtqa.segment import reading_text

    plain = "Vladimir Putin met Sergei Lavrov and AT&T in Moscow, said Peskov."
    md = "Vladimir **Putin** met [Sergei Lavrov](https://x.example/1) and AT&T in `Moscow`, said _Peskov_."
    ht = '<p>Vladimir <b>Putin</b> met <a href="https://x.example/1">Sergei</a> <i>Lavrov</i> and AT&amp;T in Moscow, said Peskov.</p>'
    for text, (regions, masks, _) in ((md, markdown_prose(md)), (ht, html_prose(ht, "x.html"))):
        [(s, e)] = regions
        got = reading_text(text, s, e, masks)
        assert got == (plain.replace("in Moscow", "in") if text is md else plain), got
