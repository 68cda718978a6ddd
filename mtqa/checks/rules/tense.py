"""Tense slips (TNS family): present passive in a report told in the past."""
from __future__ import annotations

from typing import Iterator

from mtqa.checks.rules._util import ends_sentence
from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity

PAST_DOCUMENT = 0.6  # share of past-tense finite verbs that makes a document a past report
_PAST_BE = {"is": "was", "are": "were", "am": "was"}
# Passives that state a lasting fact or a plan, correct in the present in any report.
_STATIVE = {"know", "locate", "base", "situate", "expect", "believe", "think", "say",
            "suppose", "require", "allow", "schedule", "plan", "design", "aim", "intend",
            "use", "need", "call", "name", "compose", "include", "involve", "concern",
            "associate", "link", "relate", "connect", "dedicate", "devote", "interest",
            "prohibit", "forbid", "permit", "entitle", "estimate", "make", "set",
            "own", "govern", "regulate", "list", "register", "classify", "define", "mean",
            "oblige", "obliged", "authorize", "prepare", "determine", "surround", "cover",
            "fund", "finance", "accuse", "suspect", "want", "wanted", "see", "regard",
            # news formulas: "This is reported by TASS", "It is followed by Brazil"
            "report", "state", "announce", "write", "follow", "occupy", "quote", "cite"}
_HABITUAL = {"now", "currently", "today", "usually", "always", "often", "still", "normally",
             "generally", "traditionally", "every", "sometimes", "never", "already"}



class PresentPassiveInPastReport(Rule):
    """Present passive main verb in a report told in the past tense.

    What it flags: a sentence whose main verb is a present passive ("The problems of
    security are considered.", "The issue is discussed.") in a document where at least
    60% of finite verbs are in the past tense.  Russian reports often use the present
    ("рассматриваются проблемы") for what the rest of the text puts in the past.
    Not flagged: present-tense documents; lasting facts and plans ("is located", "is
    expected to", "is known"); news formulas ("This is reported by TASS"); passives with
    an infinitive or an agent ("is considered to be", "is followed by Brazil"); habitual
    statements ("now", "usually"); quotes; headlines.
    Why: the tense slip suggests a standing practice where one event is meant.
    Example: The ministers met. The problems of regional security are considered.
    Use instead: The problems of regional security were considered.
    Fix safety: unsafe - a general statement may really be meant in the present.
    """

    id = "TNS001"
    name = "present-in-past-report"
    category = Category.GRAMMAR
    severity = Severity.MAJOR
    # Examples are one-sentence documents, so the flagged ones carry their own past
    # tense (two past verbs to one present: ratio 0.67).
    examples = (
        Example("The problems that the ministers raised when they met are considered.", True,
                "The problems that the ministers raised when they met were considered."),
        Example("The importance of the talks that took place and ended is noted.", True,
                "The importance of the talks that took place and ended was noted."),
        Example("The problems of regional stability and security are considered.", False),
        Example("The town is located on the river and is expected to grow.", False),
        Example("The problems of regional stability were considered.", False),
    )

    def applies(self, sentence: Sentence) -> bool:
        return sentence.document.past_tense_ratio >= PAST_DOCUMENT

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        text = sentence.text
        if '"' in text or "“" in text or not ends_sentence(text) or not self.applies(sentence):
            return  # quotes, headlines and present-tense documents keep their present
        doc = sentence.doc
        for verb in doc:
            if verb.dep_ != "ROOT" or verb.tag_ != "VBN" or verb.lemma_.lower() in _STATIVE:
                continue
            aux = [c for c in verb.lefts if c.dep_ in ("aux", "auxpass")]
            if len(aux) != 1 or aux[0].dep_ != "auxpass" or aux[0].tag_ not in ("VBZ", "VBP"):
                continue
            if any(c.dep_ in ("xcomp", "oprd", "ccomp", "agent") for c in verb.children):
                continue  # "is considered to be", "is followed by Brazil": not an event report
            if any(t.lower_ in _HABITUAL for t in doc):
                continue
            be = aux[0]
            past = _PAST_BE.get(be.lower_)
            if past is None:
                continue
            if be.text[0].isupper():
                past = past.capitalize()
            between = doc[be.i + 1: verb.i + 1].text
            yield self.finding(be.idx, verb.idx + len(verb.text),
                               f"Present tense in a past-tense report: \"{be.text} {between}\" → \"{past} {between}\"",
                               [f"{past} {between}"], confidence=0.7)


RULES = (PresentPassiveInPastReport,)
