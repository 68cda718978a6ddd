"""Fuzzing every entry point that takes outside data, with hypothesis: decoding,
segmentation, Markdown/HTML/feed ingest, suppression comments, config, baselines, edit
resolution and application, and every renderer.  The property everywhere: no exception
but mtqa's own InputError, offsets inside the text, and no character changed outside an
applied edit.

``make test`` runs a bounded number of examples per target (``MTQA_FUZZ_EXAMPLES``,
default 40); ``benchmarks/reliability.py`` runs many more and records what it found."""
from __future__ import annotations

import json
import os
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mtqa.errors import InputError
from mtqa.types import Category, Edit, Finding, Origin, Segment, Severity

pytestmark = pytest.mark.fuzz
N = int(os.environ.get("MTQA_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=os.environ.get("MTQA_FUZZ_RANDOM") is None)

# Text that exercises the parsers: markup, entities, CRLF, BOM, astral characters,
# combining marks, Cyrillic, sentence ends, feed boilerplate, suppression comments.
ATOMS = ["<p>", "</p>", "<!-- mtqa-disable-next-line NUM -->", "<!-- mtqa-disable ART -->", "<!-- mtqa-enable -->",
         "&amp;", "&#8212;", "&bogus;", "`code`", "```\n", "[link](http://x)", "# ", "* ", "\r\n", "\n\n", "\ufeff",
         "😀", "e\u0301", "Москва", "«", "»", "$ 30 billion", "160 thousand", "it was adopted joint statement",
         "Post sponsored by", "MIL OSI Translation. Region: Russian Federation –", ". ", "? ", "Mr. ", "<script>x</script>",
         "<![CDATA[", "]]>", "<?xml version='1.0'?>", "<rss><channel><item><title>", "</title></item></channel></rss>",
         " ", "\t", "\x00", "\x1b[31m", "\u2028"]
texty = st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=12)), max_size=30).map("".join)


def _spans_ok(text: str, spans) -> None:
    prev = 0
    for s, e in spans:
        assert 0 <= s <= e <= len(text)
        assert s >= prev
        prev = e


@FUZZ
@given(st.binary(max_size=400))
def test_decode(data):
    from mtqa.inputs.io import decode

    try:
        out = decode(data, "x")
    except InputError:
        return
    assert out.encode("utf-8") == data


@FUZZ
@given(texty, st.booleans())
def test_segmentation(text, lines):
    from mtqa.segment import segment_text

    try:
        segs = segment_text(text, lines=lines)
    except InputError:
        return
    _spans_ok(text, [(s.start, s.end) for s in segs])
    assert all(text[s.start:s.end] == s.text for s in segs)


@FUZZ
@given(texty)
def test_markdown_and_html_regions(text):
    from mtqa.inputs.html import html_prose
    from mtqa.inputs.markdown import markdown_prose

    for fn in (markdown_prose, lambda t: html_prose(t, "x.html")):
        try:
            regions, _, sups = fn(text)
        except InputError:
            continue
        _spans_ok(text, sorted(regions))


@FUZZ
@given(texty)
def test_feeds(text):
    from mtqa.inputs.feeds import parse_feed

    try:
        items = parse_feed(text, "x.rss")
    except InputError:
        return
    assert all(isinstance(p, str) and isinstance(t, str) for p, t in items)


@FUZZ
@given(texty, st.sampled_from([".txt", ".md", ".html", ".rss"]))
def test_load_any_file(tmp_path_factory, text, ext):
    from mtqa.inputs import load

    p = tmp_path_factory.mktemp("f") / ("in" + ext)
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        docs = load(str(p))
    except InputError:
        return
    for d in docs:
        if d.regions is not None:
            _spans_ok(d.text, sorted(d.regions))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
                           max_leaves=12)
config_keys = st.sampled_from(["select", "ignore", "severity", "fail-under", "fail-on", "include", "exclude", "glossary",
                               "languagetool", "model", "overrides", "opt-in", "style", "selekt"])


@FUZZ
@given(st.dictionaries(config_keys, json_values, max_size=5))
def test_config(data):
    from mtqa.run.config import parse_config

    try:
        cfg = parse_config(data, "mtqa.toml")
    except InputError as exc:
        assert str(exc).startswith("mtqa.toml: ") and "\n" not in str(exc)
        return
    cfg.signature()
    cfg.for_path("a/b.txt")


@FUZZ
@given(st.text(max_size=300))
def test_config_text(raw):
    from mtqa.run.config import parse_config

    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_config(data, "mtqa.toml")
    except InputError:
        pass


@FUZZ
@given(st.one_of(json_values.map(json.dumps), st.text(max_size=200)))
def test_baseline(tmp_path_factory, raw):
    from mtqa.run.baseline import load_baseline

    p = tmp_path_factory.mktemp("b") / "baseline.json"
    p.write_text(raw, encoding="utf-8")
    try:
        load_baseline(str(p))
    except InputError as exc:
        assert "\n" not in str(exc)


@st.composite
def text_and_edits(draw):
    text = draw(texty)
    n = len(text)
    edits = []
    for _ in range(draw(st.integers(0, 8))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 12)))
        edits.append(Edit(a, b, draw(st.sampled_from(["", " ", "the ", "$30", "160,000", "—", "X"])),
                          draw(st.sampled_from(list(Origin))), draw(st.sampled_from(["NUM001", "ART001", "LT:X", "MDL:M:DET"])),
                          draw(st.floats(0, 1)), draw(st.booleans())))
    return text, edits


@FUZZ
@given(text_and_edits(), st.booleans())
def test_resolve_and_apply(te, unsafe):
    from mtqa.edits.resolve import apply_edits, resolve
    from mtqa.segment import segment_text

    text, cands = te
    try:
        segs = [s for s in segment_text(text) if s.kind == "sentence"]
    except InputError:
        return
    out = resolve(cands, segs, unsafe)
    applied = sorted((e for e in out if e.applied), key=lambda e: (e.start, e.end))
    result = apply_edits(text, applied)
    # outside the applied edits, nothing changed
    pos, k = 0, 0
    for e in applied:
        assert result[k:k + e.start - pos] == text[pos:e.start]
        k += e.start - pos + len(e.replacement)
        pos = e.end
    assert result[k:] == text[pos:]


@st.composite
def reports(draw):
    from mtqa.types import Report, SentenceResult

    text = draw(texty)
    from mtqa.segment import segment_text

    try:
        segs = segment_text(text)
    except InputError:
        segs = []
    n = len(text)
    findings = []
    for _ in range(draw(st.integers(0, 5))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, n))
        findings.append(Finding(draw(st.sampled_from(["NUM001", "LT:X\x1b", "QE001", "MDL:R:PREP"])),
                                draw(st.sampled_from(list(Category))), draw(st.sampled_from(list(Severity))),
                                a, b, draw(texty), tuple(draw(st.lists(texty, max_size=2))),
                                draw(st.sampled_from(list(Origin))), draw(st.booleans()), draw(st.floats(0, 1))))
    sents = [SentenceResult(s, draw(st.floats(0, 100)), 3, 0.0) for s in segs if s.kind == "sentence"]
    path = draw(st.sampled_from(["a.txt", "odd\nname.txt", "e\x1b[31m.md", "<b>.html", "%2C:,.txt"]))
    return Report(path, text, segs, findings, [], sents, draw(st.floats(0, 100)), 3, 0.0,
                  signature={"mtqa": "x"}, errors=draw(st.lists(texty, max_size=1)))


@FUZZ
@given(st.lists(reports(), min_size=0, max_size=3))
def test_every_renderer(reps):
    from xml.etree import ElementTree

    from mtqa.report import FORMATS, render

    for fmt in FORMATS:
        out = render(reps, fmt)
        if fmt == "docx":  # a zip: binary
            assert isinstance(out, bytes) and out[:2] == b"PK"
            continue
        assert isinstance(out, str)
        if fmt in ("json", "sarif"):
            json.loads(out)
        elif fmt == "jsonl":
            for line in out.splitlines():
                json.loads(line)
        elif fmt == "junit":
            ElementTree.fromstring(out.encode("utf-8"))
        elif fmt in ("github", "text", "diff"):
            assert "\x1b" not in out
