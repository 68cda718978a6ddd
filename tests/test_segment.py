"""Segmentation: boilerplate recognized and kept; sentence offsets exact."""
from pathlib import Path

import pytest

from mtqa.segment import is_boilerplate, segment_text, split_sentences

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "sample-article.txt"


def _check_offsets(text, segs):
    for s in segs:
        assert text[s.start:s.end] == s.text


@pytest.mark.parametrize("line,expected", [
    ("Post sponsored by", True),
    ("MIL OSI Translation. Region: Russian Federation –", True),
    ("EDITOR’S NOTE: This article is a translation. Apologies should the grammar and / or sentence structure not be perfect.", True),
    ("EDITOR'S NOTE: This article is a translation.", True),
    ("MIL OSI Russia News", True),
    ("The ministers discussed topical issues.", False),
    ("A post sponsored by the ministry was published.", False),
])
def test_boilerplate_lines(line, expected):
    assert is_boilerplate(line) is expected


def test_sentences_abbreviations_initials_decimals():
    t = "Mr. Smith met S. Lavrov on Oct. 5. Trade grew 2.5 percent! Did it? Yes."
    spans = [t[s:e] for s, e in split_sentences(t, 0, len(t))]
    assert spans == ["Mr. Smith met S. Lavrov on Oct. 5.", "Trade grew 2.5 percent!", "Did it?", "Yes."]


def test_joined_initials_do_not_end_a_sentence():
    # WMT22 MT output: "N.I. Pirogov" was cut into "N.I." and the rest, and the quality
    # estimate then flagged "N.I." as a sentence of its own
    t = "The hospital named after N.I. Pirogov opened. It was built by V.K. Arsenyev. They met at 10 a.m. Putin spoke."
    spans = [t[s:e] for s, e in split_sentences(t, 0, len(t))]
    assert spans == ["The hospital named after N.I. Pirogov opened.", "It was built by V.K. Arsenyev.",
                     "They met at 10 a.m.", "Putin spoke."]


def test_bom_crlf_offsets():
    t = "\ufeffPost sponsored by\r\n\r\nFirst one. Second one.\r\nStill para.\r\n\r\nLast.\r\n"
    segs = segment_text(t)
    _check_offsets(t, segs)
    assert [s.kind for s in segs] == ["boilerplate"] + ["sentence"] * 4
    assert [s.text for s in segs[1:]] == ["First one.", "Second one.", "Still para.", "Last."]
    assert segs[1].paragraph == segs[3].paragraph != segs[4].paragraph


def test_lines_mode_one_segment_per_line():
    t = "one line.\n\nthird line. Two sentences.\r\nlast"
    segs = segment_text(t, lines=True)
    _check_offsets(t, segs)
    assert [s.text for s in segs] == ["one line.", "", "third line. Two sentences.", "last"]
    assert all(s.kind == "sentence" for s in segs)


def test_regions_limit_segmentation():
    t = "```code. Not prose.```\nReal prose here. More."
    start = t.index("Real")
    segs = segment_text(t, regions=[(start, len(t))])
    assert [s.text for s in segs] == ["Real prose here.", "More."]


def test_empty_text():
    assert segment_text("") == []
    assert segment_text("\n\n  \n") == []


@pytest.mark.shared_data
def test_sample_article_boilerplate():
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    text = SAMPLE.read_text(encoding="utf-8")
    segs = segment_text(text)
    _check_offsets(text, segs)
    boiler = [s.text for s in segs if s.kind == "boilerplate"]
    assert boiler[0] == "Post sponsored by"
    assert boiler[1].startswith("MIL OSI Translation")
    assert boiler[-2].startswith("EDITOR’S NOTE")
    assert boiler[-1] == "MIL OSI Russia News"
    sents = [s for s in segs if s.kind == "sentence"]
    assert len(sents) == 16
    assert sents[-1].text.startswith("Following the meeting, it was adopted joint statement")
