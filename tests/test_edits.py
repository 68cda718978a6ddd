"""Edits: applying them changes nothing outside their spans; overlaps are resolved; the
guard keeps numbers, names and negation."""
import dataclasses

from hypothesis import given, settings, strategies as st

from mtqa.edits.resolve import apply_edits, candidates_from_findings, resolve
from mtqa.edits.invariants import check_invariants
from mtqa.segment import segment_text
from mtqa.types import Category, Edit, Finding, Origin, Segment, Severity

# Text drawn from an alphabet with emoji (astral), combining marks, CRLF and a BOM.
ALPHABET = st.sampled_from(list("ab c.\r\n") + ["😀", "e\u0301", "\u00a0", "\ufeff", "ж", "“"])
TEXT = st.lists(ALPHABET, max_size=40).map("".join)


@st.composite
def text_and_edits(draw):
    text = draw(TEXT)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        edits.append(Edit(a, b, draw(TEXT), Origin.RULE, "X", 1.0, True, True))
    return text, edits


@given(text_and_edits())
@settings(max_examples=300, deadline=None)
def test_apply_preserves_text_outside_edits(data):
    text, edits = data
    out = apply_edits(text, edits)
    # Walk the output: every gap between edits is the original text, byte for byte.
    pos_in, pos_out = 0, 0
    for e in sorted(edits, key=lambda e: e.start):
        gap = text[pos_in:e.start]
        assert out[pos_out:pos_out + len(gap)] == gap
        pos_out += len(gap)
        assert out[pos_out:pos_out + len(e.replacement)] == e.replacement
        pos_out += len(e.replacement)
        pos_in = e.end
    assert out[pos_out:] == text[pos_in:]


@given(TEXT)
def test_no_edits_is_identity(text):
    assert apply_edits(text, []) == text


def _finding(text, needle, rep, safe=True, conf=0.9, rule="NUM001"):
    s = text.index(needle)
    return Finding(rule, Category.LOCALE, Severity.MINOR, s, s + len(needle), "m", (rep,), Origin.RULE, safe, conf)


def test_resolve_overlap_guard_and_unsafe():
    text = "Trade exceeded $ 30 billion and 160 thousand people did not go."
    sents = segment_text(text)
    fs = [
        _finding(text, "$ 30", "$30"),
        _finding(text, "$ 30 billion", "$30 billion", conf=0.5, rule="NUM009"),  # overlaps
        _finding(text, "160 thousand", "160,000", rule="NUM003"),
        _finding(text, "did not go", "did go", rule="BAD001"),  # drops a negation
        _finding(text, "exceeded", "surpassed", safe=False, rule="CAL001"),
    ]
    edits = {e.rule_id: e for e in resolve(candidates_from_findings(fs), sents)}
    assert edits["NUM001"].applied
    assert edits["NUM003"].applied
    assert not edits["NUM009"].applied and edits["NUM009"].reason.startswith("overlap")
    assert edits["BAD001"].reason == "guard:negation"
    assert edits["CAL001"].reason == "unsafe"
    out = apply_edits(text, [e for e in edits.values() if e.applied])
    assert out == "Trade exceeded $30 billion and 160,000 people did not go."


def test_resolve_rejects_number_change():
    text = "Exports grew by 30 percent."
    sents = segment_text(text)
    f = _finding(text, "30", "13")
    (e,) = resolve(candidates_from_findings([f]), sents)
    assert not e.applied and e.reason == "guard:numbers"


def test_edits_carry_the_id_of_their_finding():
    """Finding.id is stable (the same finding, the same id, also after a policy changes its
    severity or safety) and distinct for another span or fix; an edit made from a finding
    carries it through resolve()."""
    text = "It exceeded $ 30 billion."
    f = Finding("NUM001", Category.LOCALE, Severity.MINOR, 12, 14, "m", ("$",), safe=True)
    assert f.id == Finding("NUM001", Category.LOCALE, Severity.MINOR, 12, 14, "m", ("$",), safe=True).id
    assert f.id == dataclasses.replace(f, severity=Severity.MAJOR, safe=False, confidence=0.1).id
    assert len({f.id, dataclasses.replace(f, start=11).id, dataclasses.replace(f, replacements=("€",)).id,
                dataclasses.replace(f, rule_id="NUM002").id}) == 4
    (e,) = resolve(candidates_from_findings([f]), [Segment(0, len(text), text)])
    assert e.applied and e.finding_id == f.id


def test_edit_outside_sentences_is_not_applied():
    text = "Post sponsored by\n\nReal sentence here."
    sents = [s for s in segment_text(text) if s.kind == "sentence"]
    f = _finding(text, "sponsored", "paid")
    (e,) = resolve(candidates_from_findings([f]), sents)
    assert not e.applied and e.reason == "outside-sentence"


def test_insertions_at_the_same_point_overlap():
    text = "Statement was adopted."
    sents = segment_text(text)
    a = Edit(0, 0, "A ", Origin.RULE, "ART001", 0.9, True)
    b = Edit(0, 0, "The ", Origin.RULE, "ART002", 0.8, True)
    out = resolve([a, b], sents)
    assert [e.applied for e in out] == [True, False]


def test_guard_table():
    table = [
        ("exceeded $ 30 billion.", "exceeded $30 billion.", None),
        ("160 thousand citizens", "160,000 citizens", None),
        ("grew by 19,5 percent", "grew by 19.5 percent", None),
        ("exceeded 30 billion", "exceeded 13 billion", "numbers"),
        ("Sergey Lavrov said", "Sergei Lavrov said", "names"),
        ("The Russian side provided", "Russia provided", "names"),
        ("He did not go", "He did go", "negation"),
        ("He can't", "He can", "negation"),
        ("It was adopted joint statement", "A joint statement was adopted", None),
        ("He said «yes» today", "He said “yes” today", None),
        ("On October 15 he left", "On October 16 he left", "numbers"),
        ("In May he left", "In June he left", "names"),
        # a common word that starts the sentence is not a name: articles before it are fine
        ("Government decided to act.", "The government decided to act.", None),
        ("The government decided to act.", "Government decided to act.", None),
        ("Lavrov said it.", "Mr Lavrov said it.", "names"),
        ("Sergey said it.", "The Sergei said it.", "names"),
        ("Moscow and Kazan agreed.", "The Moscow and Kazan agreed.", None),
        # every function word of mtqa.english.lexicon opens a sentence without being a name
        ("Like in Moscow, prices rose.", "As in Moscow, prices rose.", None),
        ("Like in Moscow, prices rose.", "As in Kazan, prices rose.", "names"),
        # numbers are read by mtqa.english.numerals: every scale abbreviation, both decimal marks,
        # grouped decimals, layouts it does not read, signs, and number words
        ("worth 10 mlrd rubles", "worth 10 billion rubles", None),
        ("worth $5 bn", "worth $5 billion", None),
        ("worth 2 trln rubles", "worth 2 trillion rubles", None),
        ("worth $5 bn in all", "worth $5 in all", "numbers"),
        ("a loss of 1,500.5 tons", "a loss of 1,500.7 tons", "numbers"),
        ("sold 1 500,5 tons", "sold 1,500.5 tons", None),
        ("signed on 01.02.2020 here", "signed on 01.02.2021 here", "numbers"),
        ("rose by 0.0000001 percent", "rose by 0.0000002 percent", "numbers"),
        ("fell to -5 degrees", "fell to 5 degrees", "numbers"),
        ("on May 5 2020 he left", "on May 5, 2020 he left", None),
        ("a million people came", "a billion people came", "numbers"),
        ("thousands of people came", "millions of people came", "numbers"),
        ("five ministers came", "5 ministers came", "numbers"),
    ]
    for before, after, reason in table:
        assert check_invariants(before, after) == reason, (before, after)
