"""Tests of mtqa's own translationese rules: registry, documentation, every rule's examples,
fix safety, the data files, and the sample article (real spaCy throughout)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from mtqa.checks.rules import all_rules, get_rule, ruleset_hash, run_rules
from mtqa.checks.rules.base import DocumentContext, Sentence
from mtqa.english.numerals import numbers
from mtqa.checks.rules.phrases import parse_tsv
from mtqa.checks.rules.script import HOMOGLYPHS
from mtqa.types import Segment

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SAMPLE = SHARED / "seed" / "sample-article.txt"
SECTIONS = ("What it flags", "Why", "Example", "Use instead", "Fix safety")

RULES = all_rules()
EXAMPLES = [(r, ex) for r in RULES for ex in r.examples]


def check(rule, text: str):
    """Run one rule on ``text`` as a one-sentence document."""
    seg = Segment(0, len(text), text)
    return list(rule.check(Sentence(seg, DocumentContext(text, [seg]))))


def apply_first(text: str, findings) -> str:
    """Apply the first replacement of each finding, right to left, skipping overlaps."""
    out, limit = text, len(text) + 1
    for f in sorted((f for f in findings if f.replacements), key=lambda f: (f.start, f.end), reverse=True):
        if f.end > limit:
            continue
        out = out[: f.start] + f.replacements[0] + out[f.end:]
        limit = f.start
    return out


def doc_segments(text: str) -> list[Segment]:
    try:
        from mtqa.segment import segment_text
    except ImportError:  # the segmenter is optional for these tests: fall back to lines
        segs, pos = [], 0
        for line in text.split("\n"):
            if line.strip():
                segs.append(Segment(pos, pos + len(line), line))
            pos += len(line) + 1
        return segs
    return [s for s in segment_text(text) if s.kind == "sentence"]


# --- registry and documentation ---------------------------------------------------------

def test_ids_unique_and_well_formed():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rid in ids:
        assert re.fullmatch(r"[A-Z]{3}\d{3}", rid), rid
    for required in ("ART001", "PAS001", "CAL001", "NUM001", "NUM002", "NUM003", "NUM004",
                     "NUM005", "TNS001", "SCR001", "SCR002", "PUN001", "PUN002", "PUN003", "PUN004"):
        assert get_rule(required) is not None, required


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule):
    doc = rule.doc
    assert doc and len(doc.splitlines()[0]) > 10, f"{rule.id}: no summary line"
    for section in SECTIONS:
        assert f"{section}:" in doc, f"{rule.id}: docstring lacks '{section}:'"
    assert rule.name, f"{rule.id}: no name"
    flagged = [e for e in rule.examples if e.flagged]
    clean = [e for e in rule.examples if not e.flagged]
    assert flagged and clean, f"{rule.id}: needs a flagged and a clean example"


# --- examples double as tests -------------------------------------------------------------

@pytest.mark.parametrize("rule,example", EXAMPLES, ids=lambda x: getattr(x, "id", None) or x.text[:30])
def test_example(rule, example):
    findings = check(rule, example.text)
    assert bool(findings) == example.flagged, [f.message for f in findings]
    for f in findings:
        assert 0 <= f.start < f.end <= len(example.text)
        assert f.rule_id == rule.id and f.category == rule.category
        assert not f.safe or f.replacements, "a safe finding must carry a replacement"
    if example.fixed is not None:
        assert apply_first(example.text, findings) == example.fixed
        if findings:  # the fix must satisfy the rule itself
            assert not check(rule, example.fixed)


# --- fix safety ------------------------------------------------------------------------------

_NEGATION = re.compile(r"\b(not|no|never|none|nobody|nothing|neither|nor|without)\b|n't", re.I)


def _names(text: str) -> Counter:
    """Capitalised words not at a sentence start, homoglyphs folded to Latin."""
    text = "".join(HOMOGLYPHS.get(c, c) for c in text)
    return Counter(m.group(0) for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w]+", text))


def _safe_cases():
    texts = [ex.text for _, ex in EXAMPLES]
    if SAMPLE.exists():
        texts += [s.text for s in doc_segments(SAMPLE.read_text(encoding="utf-8"))]
    for text in texts:
        for rule in RULES:
            for f in check(rule, text):
                if f.safe:
                    yield pytest.param(text, f, id=f"{f.rule_id}:{text[:25]}")


@pytest.mark.parametrize("text,finding", list(_safe_cases()))
def test_safe_fix_keeps_numbers_names_negation(text, finding):
    fixed = apply_first(text, [finding])
    assert fixed != text
    assert numbers(fixed) == numbers(text)  # the meaning guard's own reading
    assert _names(fixed) == _names(text)
    assert len(_NEGATION.findall(fixed)) == len(_NEGATION.findall(text))


def test_safe_fixes_exist_for_the_mechanical_rules():
    safe = {f.rule_id for _, f in (p.values for p in _safe_cases())}
    assert {"NUM001", "NUM003", "SCR001", "PUN001", "PUN003", "PUN004"} <= safe


def test_numbers_reads_both_layouts():
    """The layouts the NUM rules rewrite read as the same values (mtqa.english.numerals, which the
    meaning guard and the source checks use too)."""
    assert numbers("160 thousand") == numbers("160,000")
    assert numbers("6,5 percent") == numbers("6.5 percent")
    assert numbers("5 mln") == numbers("5 million")
    assert numbers("10 mlrd") == numbers("10 billion") == numbers("10 bn") == numbers("10 bln")
    assert numbers("1 trln") == numbers("1 trillion")
    assert numbers("1,500") != numbers("1.500")


# --- particular behaviour --------------------------------------------------------------------

def test_decimal_comma_leaves_thousands_separators():
    rule = get_rule("NUM004")
    assert not check(rule, "Some 1,500 people paid 2,500 million rubles, or 12,000 percent.")
    assert [f.replacements[0] for f in check(rule, "Growth was 2,75 percent.")] == ["2.75"]


def test_thousand_fraction_gets_no_unsafe_guess():
    (f,) = check(get_rule("NUM003"), "It cost 1.2345 thousand rubles.")
    assert f.replacements == () and not f.safe


def test_inverted_passive_message_names_the_subject():
    (f,) = check(get_rule("PAS001"), "Following the meeting, it was adopted joint statement.")
    assert f.message == 'Inverted passive: put the subject first ("a joint statement was adopted")'
    assert not f.safe


def test_tense_rule_needs_a_past_document():
    present = ("The committee meets every month. It reviews the budget. The problems of "
               "security are considered. Members vote on each item.")
    past = ("The ministers met in Moscow. They discussed trade. They signed a treaty. "
            "The problems of security are considered. Lavrov thanked them.")
    for text, expected in ((present, []), (past, ["TNS001"])):
        found = [f.rule_id for f in run_rules(text, doc_segments(text), select=["TNS"])]
        assert found == expected, text


def test_tense_message_names_what_is_written_and_the_fix():
    text = ("The ministers met in Moscow. They discussed trade. They signed a treaty. "
            "The problems of security are considered. Lavrov thanked them.")
    (f,) = run_rules(text, doc_segments(text), select=["TNS"])
    assert text[f.start:f.end] == "are considered"
    assert f.message == 'Present tense in a past-tense report: "are considered" → "were considered"'
    assert f.replacements == ("were considered",)


def test_missing_article_skips_mass_nouns_idioms_and_titles():
    rule = get_rule("ART001")
    for text in ("They took part in the talks and provided information.",
                 "He went home by car and made progress.",
                 "Russian delegation arrives in Moscow",  # a headline
                 "She was elected chairman of the committee."):
        assert not check(rule, text), text


def test_calques_regular_basis_is_fine_and_case_is_kept():
    rule = get_rule("CAL001")
    assert not check(rule, "They meet on a regular basis.")
    (f,) = check(rule, "Within the framework of the deal, prices fell.")
    assert f.replacements[0] == "Under"


def test_phrase_tsv_rows_are_valid():
    rule = get_rule("CAL001")
    raw = rule.data_signature()
    rows = parse_tsv(raw)
    phrases = [r.phrase.lower() for r in rows]
    assert len(rows) >= 40 and len(phrases) == len(set(phrases))
    assert all(r.suggestions or r.note for r in rows)
    assert "on a regular basis" not in phrases
    with pytest.raises(ValueError, match=":1:"):
        parse_tsv(b"no tabs here\n")


def test_ruleset_hash_follows_data(monkeypatch):
    before = ruleset_hash()
    cls = type(get_rule("CAL001"))
    monkeypatch.setattr(cls, "data_signature", lambda self: b"changed")
    assert ruleset_hash() != before


def test_untranslated_is_critical_without_fix():
    (f,) = check(get_rule("SCR002"), "The decision was taken by Госдума yesterday.")
    assert f.severity.value == "critical" and f.category.value == "untranslated"
    assert f.replacements == ()


def test_offsets_are_shifted_into_the_document():
    text = "First sentence here.\nTrade exceeded $ 30 billion."
    segs = [Segment(0, 20, text[:20]), Segment(21, len(text), text[21:])]
    (f,) = run_rules(text, segs, select=["NUM001"])
    assert text[f.start:f.end] == "$ "


# --- the sample article ------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_findings():
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not found (shared data folder absent)")
    text = SAMPLE.read_text(encoding="utf-8")
    # the house-style rules (NUM002, NUM003) are on under the AP profile only
    return text, run_rules(text, doc_segments(text), opt_in=("NUM002", "NUM003"))


@pytest.mark.parametrize("rule_id,span", [
    ("NUM001", "$ "),
    ("NUM002", "USD 20 billion"),
    ("NUM003", "160 thousand"),
    ("NUM003", "17 thousand"),
    ("NUM003", "59 thousand"),
    ("CAL001", "An interested discussion"),
    ("CAL001", "topical issues"),
    ("CAL001", "realization of the advantages"),
    ("CAL001", "a confidential exchange of views"),
    ("CAL001", "The Russian side"),
    ("PAS001", "it was adopted joint statement"),
    ("TNS001", "are considered"),
    ("ART001", "joint statement"),
])
def test_sample_article_is_flagged(sample_findings, rule_id, span):
    text, findings = sample_findings
    spans = {(f.rule_id, text[f.start:f.end]) for f in findings}
    assert (rule_id, span) in spans


def test_sample_article_has_no_noise(sample_findings):
    text, findings = sample_findings
    assert not [f for f in findings if f.rule_id.startswith(("SCR", "PUN", "NUM004", "NUM005"))]
    # Sentences that are fine English must stay clean.
    for clean in ("Sergey Lavrov expressed gratitude for the reciprocal support.",
                  "More than 17 thousand enterprises"):
        start = text.index(clean)
        hits = [f for f in findings if start <= f.start < start + len(clean) and f.rule_id != "NUM003"]
        assert not hits, hits


def test_the_ruleset_hash_follows_the_checks_code(monkeypatch):
    """A cached report, or a running service, made by other rule code (a changed message,
    a changed condition) must not pass for this code's: the hash reads the checks' sources."""
    from pathlib import Path

    from mtqa import source_digest
    from mtqa.checks.rules import ruleset_hash

    source_digest.cache_clear()
    before = ruleset_hash()
    real = Path.read_bytes

    def edited(self):
        data = real(self)
        return data + b"\n# edited\n" if self.name == "tense.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    source_digest.cache_clear()
    try:
        assert ruleset_hash() != before
    finally:
        monkeypatch.undo()
        source_digest.cache_clear()
    assert ruleset_hash() == before


def test_a_documents_sentences_parsed_together_parse_as_one_by_one():
    """``parse_many`` (nlp.pipe, what a check uses) gives each sentence of real articles
    the parse ``nlp(sentence)`` gives it: tags, lemmas, dependencies, entities."""
    from mtqa.models.nlp import get_nlp, parse_many
    from mtqa.segment import segment_text, sentences

    texts = [s.text for p in sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.txt"))
             for s in sentences(segment_text(p.read_text(encoding="utf-8")))]
    assert len(texts) > 15

    def sig(doc):
        return [(t.text, t.tag_, t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in doc]

    nlp = get_nlp()
    assert [sig(d) for d in parse_many(texts)] == [sig(nlp(t)) for t in texts]
