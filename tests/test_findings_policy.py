"""What mtqa reports by default: LanguageTool findings kept or dropped by the measured
policy (mtqa.checks.languagetool.policy), against a real LanguageTool server."""
from __future__ import annotations

import pytest

from mtqa.run.checker import Backends, Checker, Settings


@pytest.fixture(scope="module")
def checker(lt_url):
    with Checker(Backends(lt_url=lt_url, qe=False, model=False)) as ck:
        yield ck


def _ids(rep, rule):
    return [rep.text[f.start:f.end] for f in rep.findings if f.rule_id == rule]


def test_a_quotation_over_two_paragraphs_is_not_unpaired(checker):
    text = ('"Currently, there are more than 7,000 mercenaries in Libya.\n\n'
            'They have 30 jets at two air bases," the agency quoted him as saying.\n')
    assert _ids(checker.check(text), "LT:EN_UNPAIRED_QUOTES") == []
    # one paragraph with a quote that never closes is still reported
    text = 'The minister said "the talks went well.\n\nThe delegation left on Monday.\n'
    assert _ids(checker.check(text), "LT:EN_UNPAIRED_QUOTES") == ['"']


def test_a_quotation_over_two_html_paragraphs_is_not_unpaired(checker):
    """In HTML a paragraph ends at its block tag, not at a blank line; a link inside the
    quotation is masked and changes nothing."""
    from mtqa.inputs import documents

    html = ('<p>"Currently, there are more than 7,000 mercenaries in <a href="https://x.example/ly">Libya</a>.</p>\n'
            '<p>They have 30 jets at two air bases," the agency quoted him as saying.</p>\n')
    [doc] = documents("a.html", html, "html", "a.html")
    rep = checker.check(doc.text, "a.html", Settings(), regions=doc.regions, masks=doc.masks)
    assert _ids(rep, "LT:EN_UNPAIRED_QUOTES") == []
    html = '<p>The minister said "the talks went well.</p>\n<p>The delegation left on Monday.</p>\n'
    [doc] = documents("a.html", html, "html", "a.html")
    rep = checker.check(doc.text, "a.html", Settings(), regions=doc.regions, masks=doc.masks)
    assert _ids(rep, "LT:EN_UNPAIRED_QUOTES") == ['"']


def test_rules_measured_below_a_random_word_are_off_by_default(checker):
    text = "the talks went well, and the delegation left on Monday.\n"
    rep = checker.check(text)
    assert not [f for f in rep.findings if f.rule_id == "LT:UPPERCASE_SENTENCE_START"]
    rep = checker.check(text, "<t>", Settings(opt_in=("LT:UPPERCASE_SENTENCE_START",)))
    assert [f for f in rep.findings if f.rule_id == "LT:UPPERCASE_SENTENCE_START"]


def test_style_conventions_are_off_or_under_a_profile(checker):
    # LanguageTool's own words: "some style guides suggest" a comma after the year; the
    # variant's capital is a convention.  Neither is reported by default.
    text = "The meeting scheduled for July 10, 2011 was canceled because the omicron variant spread.\n"
    rep = checker.check(text)
    assert _ids(rep, "LT:MISSING_COMMA_AFTER_YEAR") == [] and _ids(rep, "LT:OMICRON_VARIANT") == []
    rep = checker.check(text, "<t>", Settings(style="ap"))
    assert _ids(rep, "LT:MISSING_COMMA_AFTER_YEAR") == ["2011"] and _ids(rep, "LT:OMICRON_VARIANT") == []
    rep = checker.check(text, "<t>", Settings(opt_in=("LT:OMICRON_VARIANT",)))
    assert _ids(rep, "LT:OMICRON_VARIANT") == ["omicron"]


def test_a_clear_typo_is_major_an_unknown_word_minor(checker):
    rep = checker.check("The goverment approved the plan for the oblast siloviki.\n")
    sev = {rep.text[f.start:f.end]: f.severity.value for f in rep.findings if f.category.value == "spelling"}
    assert sev["goverment"] == "major"
    assert sev.get("siloviki", "minor") == "minor"


def test_capitalized_words_are_clear_typos_only_inside_a_sentence():
    from mtqa.checks.languagetool.policy import confident_typo, sentence_initial

    t = "He arrived in Moskow. Nastya left."
    assert confident_typo("Moskow", ["Moscow"], sentence_initial(t, t.index("Moskow")))
    # at a sentence start LanguageTool capitalizes every suggestion: "Nastya" -> "Nasty"
    assert not confident_typo("Nastya", ["Nasty"], sentence_initial(t, t.index("Nastya")))


def test_a_name_the_index_covers_is_not_a_spelling_finding(checker):
    # "Sirte" -> "Site" looks like a clear typo, but it is a city the article repeats
    rep = checker.check("The jets are based at Sirte airport. Flights from Sirte resumed in May.\n")
    assert not [f for f in rep.findings if rep.text[f.start:f.end] == "Sirte"]
