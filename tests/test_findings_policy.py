"""What mtqa reports by default: LanguageTool findings kept or dropped by the measured
policy (mtqa.languagetool.policy), against a real LanguageTool server."""
from __future__ import annotations

import pytest

from mtqa.pipeline import Backends, Checker, Settings


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


def test_rules_measured_below_a_random_word_are_off_by_default(checker):
    text = "the talks went well, and the delegation left on Monday.\n"
    rep = checker.check(text)
    assert not [f for f in rep.findings if f.rule_id == "LT:UPPERCASE_SENTENCE_START"]
    rep = checker.check(text, "<t>", Settings(opt_in=("LT:UPPERCASE_SENTENCE_START",)))
    assert [f for f in rep.findings if f.rule_id == "LT:UPPERCASE_SENTENCE_START"]


def test_a_clear_typo_is_major_an_unknown_word_minor(checker):
    rep = checker.check("The goverment approved the plan for the oblast siloviki.\n")
    sev = {rep.text[f.start:f.end]: f.severity.value for f in rep.findings if f.category.value == "spelling"}
    assert sev["goverment"] == "major"
    assert sev.get("siloviki", "minor") == "minor"


def test_a_typo_of_a_well_known_name_is_still_a_typo(checker):
    rep = checker.check("The delegation arrived in Moskow on Monday. Nastya left the hall.\n")
    sev = {rep.text[f.start:f.end]: f.severity.value for f in rep.findings if f.category.value == "spelling"}
    assert sev.get("Moskow") == "major", sev
    assert "Nastya" not in sev or sev["Nastya"] == "minor"
