"""Script mixing (SCR family): Cyrillic left in English output."""
from __future__ import annotations

import re
from typing import Iterator

from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity

# Cyrillic letters that look exactly like Latin ones.
HOMOGLYPHS = dict(zip("аеорсухіјѕԁАВЕКМНОРСТХІЈЅ", "aeopcyxijsdABEKMHOPCTXIJS"))
_CYR = re.compile(r"[\u0400-\u04FF]")
_LAT = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[^\W\d_]+")


class Homoglyph(Rule):
    """Cyrillic letter inside a Latin word ("Moscоw" with a Cyrillic о).

    What it flags: a word mostly in Latin letters that contains Cyrillic letters.
    Why: it looks right but breaks search, spell-checking and screen readers; it comes
    from copy-paste or OCR of Russian sources.
    Example: Talks were held in Moscоw.   (the о is Cyrillic U+043E)
    Use instead: Talks were held in Moscow.
    Fix safety: safe when every Cyrillic letter has an identical-looking Latin twin (the
    visible text does not change); otherwise no replacement is offered.
    """

    id = "SCR001"
    name = "cyrillic-homoglyph"
    category = Category.SPELLING
    severity = Severity.MAJOR
    examples = (
        Example("Talks were held in Mosc\u043ew.", True, "Talks were held in Moscow."),
        Example("The \u0421ommittee met.", True, "The Committee met."),
        Example("Talks were held in Moscow.", False),
    )

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        for m in _WORD.finditer(sentence.text):
            w = m.group(0)
            cyr, lat = len(_CYR.findall(w)), len(_LAT.findall(w))
            if not cyr or lat < cyr:  # all-Cyrillic or mostly Cyrillic words are SCR002's
                continue
            fixed = "".join(HOMOGLYPHS.get(c, c) for c in w)
            reps = [fixed] if not _CYR.search(fixed) else []
            yield self.finding(m.start(), m.end(), f"Cyrillic letters inside the Latin word \"{fixed}\"",
                               reps, safe=bool(reps), confidence=0.95)


class Untranslated(Rule):
    """Untranslated Russian text (a run of Cyrillic words).

    What it flags: one or more words written wholly or mostly in Cyrillic, outside URLs,
    e-mail addresses and hashtags (quoted as they are).
    Why: the MT system left them untranslated; the reader of the English text loses the
    meaning, often of a name or a key term.
    Example: The decision was taken by Госдума yesterday.
    Use instead: The decision was taken by the State Duma yesterday.
    Fix safety: no fix - a human must translate or transliterate it.
    """

    id = "SCR002"
    name = "untranslated-cyrillic"
    category = Category.UNTRANSLATED
    severity = Severity.CRITICAL
    _run = re.compile(r"[\u0400-\u04FF][\u0400-\u04FFA-Za-z]*(?:[\s-]+[\u0400-\u04FF][\u0400-\u04FFA-Za-z]*)*")
    examples = (
        Example("The decision was taken by Госдума yesterday.", True),
        Example("He said «привет мир» and left.", True),
        Example("The decision was taken by the State Duma yesterday.", False),
        Example("The official website of the award is https://премияарсеньева.рф/.", False),
        Example("They posted the hashtag #поэтвроссиибольшечемпоэт.", False),
        Example("Applicants must submit a passport и/или a driving licence.", True),
    )

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        for m in self._run.finditer(sentence.text):
            words = m.group(0).split()
            if all(len(_LAT.findall(w)) >= len(_CYR.findall(w)) for w in words):
                continue
            if _verbatim(sentence.text, m.start(), m.end()):
                continue
            yield self.finding(m.start(), m.end(), f"Untranslated Russian text: \"{m.group(0)}\"",
                               confidence=0.95)


def _verbatim(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies in a URL, an e-mail address, a hashtag or a handle,
    which are quoted as they are ("https://премияарсеньева.рф/", "#поэтвроссии"): a
    Cyrillic domain is the site's real address, not an untranslated word.  Narrower than
    ``mtqa.checks.languagetool.policy.not_prose``, which also takes any "x/y" for a path:
    an untranslated "и/или" is still flagged."""
    from mtqa.segment import token_at

    token = token_at(text, start, end).lstrip("(«\"'“")
    return "://" in token or "@" in token or token.startswith(("www.", "#"))


RULES = (Homoglyph, Untranslated)
