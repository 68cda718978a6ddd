"""Names in a document: which words are names (so a speller's "unknown word" there is not
a typo), and names spelled two ways in one article (a real problem an editor must fix).

A word counts as a name when any of these says so:
- spaCy's entity recognizer (en_core_web_sm) puts it in a PERSON, ORG, GPE, LOC, NORP,
  FAC, PRODUCT, EVENT, WORK_OF_ART, LAW or LANGUAGE entity (a one-word entity that starts
  the sentence only when it is not typo-like, see below);
- it is capitalized inside a sentence (not its first word);
- spaCy tags it a proper noun, and it is not one letter away from a common English word
  (a capitalized typo such as "Teh" or "Recieved" at the start of a sentence stays a typo);
- the document has the same capitalized spelling more than once (a sentence-initial
  occurrence included): a writer repeats a name, a typo is seldom repeated letter for
  letter;
- it is the transliteration of a capitalized word of the Russian source (``--source``);
- it is a word of a glossary term;
- it is an abbreviation in capitals with a plural "s" ("MFOs") or in a hyphenated compound
  ("ANKA-type", "FSB-led"): LanguageTool's speller passes words in capitals, and an
  unknown abbreviation is a name, not a typo.
Lower-case words are names only through the glossary, or when the same spelling
occurs more than once in the document (transliterated terms such as "oblast").  Not a
singular and a plural: on WMT22 news that would have passed MT's own coinages
("dipfake" / "dipfakes") on four systems to spare the reference's "krai" / "krais".

``NAM001``: two names of one document that differ by one or two letters ("Overchuk" /
"Overchuck", "Ovechkin" / "Ovetchkin"), neither a common word, not the two gender
forms of a Russian surname (Ivanov / Ivanova, Bely / Belaya), and not one the other with an
ending (Lithuania / Lithuanians, Karenin / Karenina).  Two spellings that are the same
Russian name in two romanizations ("Sergei" / "Sergey", "Yesenin" / "Esenin",
"Golosheikin" / "Golosheykin", "Donbass" / "Donbas": :func:`romanization_key`) are
flagged even when both are frequent names (an article uses one), and even when one is
used once at the start of a sentence; not when one is a common English word ("Jury" /
"Yury").
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from mtqa.types import Category, Finding, Origin, Segment, Severity

NAME_ENTITIES = frozenset("PERSON ORG GPE LOC NORP FAC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]|[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]s?$")
RULE_ID = "NAM001"


def _key(w: str) -> str:
    return _POSSESSIVE.sub("", w)


@dataclass
class NameIndex:
    """The names of one document, as character spans and as spellings."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    spellings: set[str] = field(default_factory=set)
    occurrences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    proper: set[str] = field(default_factory=set)  # tagged PROPN: names unless typo-like

    def covers(self, start: int, end: int, text: str) -> bool:
        """Whether text[start:end] (a speller's finding) is a name or lies inside one."""
        word = _key(text[start:end].strip())
        if abbreviation(word):
            return True
        if word in self.spellings or any(s <= start and end <= e for s, e in self.spans):
            return True
        return word in self.proper and not _typo_like(word)


_CAPITALS = re.compile(r"[A-Z][A-Z0-9&]+")


def abbreviation(word: str) -> bool:
    """An abbreviation in capitals with a plural "s" ("MFOs", "NGOs"), or a hyphenated
    compound of such abbreviations and common lower-case words ("ANKA-type", "NATO-led").
    A word all in capitals ("GOVERMENT") is left to the speller, which passes it."""
    from wordfreq import zipf_frequency

    if re.fullmatch(r"[A-Z][A-Z0-9&]+s", word):
        return True
    parts = word.split("-")
    if len(parts) < 2 or not any(_CAPITALS.fullmatch(p) for p in parts):
        return False
    return all(_CAPITALS.fullmatch(p) or (p.islower() and zipf_frequency(p, "en") >= 3) for p in parts)


def build_index(text: str, sentences: Sequence[Segment], docs: Sequence, source: Optional[str] = None,
                glossary: Iterable = ()) -> NameIndex:
    """The names of ``text``, from its sentences and their spaCy docs (one each)."""
    idx = NameIndex()
    counts: Counter = Counter()
    words: list[tuple[str, int, int, bool]] = []  # (word, start, end, sentence-initial)
    for seg, doc in zip(sentences, docs):
        for ent in doc.ents:
            if ent.label_ not in NAME_ENTITIES:
                continue
            if ent.start == 0 and len(ent) == 1:  # one capitalized word starting the sentence: weak
                idx.proper.add(_key(ent.text))
            else:
                idx.spans.append((seg.start + ent.start_char, seg.start + ent.end_char))
        for t in doc:
            if t.pos_ == "PROPN" and t.text[:1].isupper() and len(t.text) > 3:
                idx.proper.add(_key(t.text))
        first = True
        for m in _WORD.finditer(seg.text):
            w = _key(m.group(0))
            words.append((w, seg.start + m.start(), seg.start + m.end(), first))
            counts[w] += 1
            first = False
    for w, s, e, initial in words:
        cap = w[:1].isupper()
        if (cap and not initial) or counts[w] > 1:
            idx.spellings.add(w)
        idx.occurrences.setdefault(w, []).append((s, e))
    for s, e in idx.spans:
        for m in _WORD.finditer(text[s:e]):
            idx.spellings.add(_key(m.group(0)))
    for entry in glossary:
        for part in (entry.term, *entry.variants):
            idx.spellings.update(_key(m.group(0)) for m in _WORD.finditer(part))
    if source:
        from mtqa.checks.source import translit

        latin = {translit(w) for w in re.findall(r"(?<!\w)[А-ЯЁ][а-яё]+", source)}
        for w, _, _, _ in words:
            if w[:1].isupper() and _close_translit(w.lower(), latin):
                idx.spellings.add(w)
    return idx


@lru_cache(maxsize=4096)
def _typo_like(word: str) -> bool:
    """Whether the lower-cased word is one edit (deletion, insertion, substitution,
    transposition) away from a common English word (wordfreq Zipf >= 4)."""
    from wordfreq import zipf_frequency

    w = word.lower()
    if zipf_frequency(w, "en") >= 4:
        return True
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    cands = {a + b[1:] for a, b in splits if b}
    cands |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    cands |= {a + c + b[1:] for a, b in splits if b for c in letters}
    cands |= {a + c + b for a, b in splits for c in letters}
    cands.discard(w)
    return any(zipf_frequency(c, "en") >= 4 for c in cands)


def _close_translit(word: str, latin: set[str]) -> bool:
    import difflib

    return any(abs(len(word) - len(t)) <= 3 and difflib.SequenceMatcher(None, word, t).ratio() >= 0.75
               for t in latin if t[:1] == word[:1])


def _gender_pair(a: str, b: str) -> bool:
    a, b = sorted((a.lower(), b.lower()), key=len)
    return b in (a + "a", a[:-1] + "aya", a[:-2] + "aya", a[:-1] + "aia") or (a.endswith("y") and b == a[:-1] + "aya")


def _inflected(a: str, b: str) -> bool:
    """One name is the other with an ending: a plural, a demonym or a Russian case or
    feminine form ("Lithuania" / "Lithuanians", "Karenin" / "Karenina", "Pskov" / "Pskova")."""
    a, b = sorted((a.lower(), b.lower()), key=len)
    return b.startswith(a) or b.startswith(a[:-1]) and a[-1] in "aeiouy"


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small words: plain dynamic programming)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# Spelling alternatives of the romanizations in use for Russian names (BGN/PCGN, the
# passport's ICAO, the Library of Congress, newsroom practice): each is rewritten to one
# form, in this order.  "y" and "i" (й, ы, я = ya/ia, ю = yu/iu), "ks" and "x", "kh" and
# "h", "zh"/"dzh" and "j", "ye" and "e" (Yelena / Elena), "w" and "v" (a German-style
# romanization), doubled letters.
_ROMAN = (("shch", "sch"), ("dzh", "j"), ("kh", "h"), ("zh", "j"), ("ks", "x"), ("ye", "e"),
          ("y", "i"), ("j", "i"), ("ck", "k"), ("w", "v"))
_DOUBLE = re.compile(r"(.)\1")


@lru_cache(maxsize=8192)
def romanization_key(word: str) -> str:
    """One form for the romanizations of a Russian name: "Sergey", "Sergei" -> "sergei";
    "Yesenin", "Esenin", "Essenin" -> "esenin"; doubled letters single."""
    s = word.lower()
    for a, b in _ROMAN:
        s = s.replace(a, b)
    return _DOUBLE.sub(r"\1", s)


def _name_pairs(index: NameIndex):
    """(a, b) pairs of the document's spellings that look like one name written two ways."""
    from wordfreq import zipf_frequency

    # One name in two romanizations: grouped by romanization_key, so the work stays linear
    # in the document.  Any capitalized word takes part; a pair needs one of its words to be
    # a known name (the other may be used once at the start of a sentence: "Esenin then left").
    groups: dict[str, list[str]] = {}
    for w in index.occurrences:
        if w[:1].isupper() and len(w) >= 4:
            groups.setdefault(romanization_key(w), []).append(w)
    for ws in groups.values():
        ws.sort()
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                known_a, known_b = a in index.spellings, b in index.spellings
                if a.lower() == b.lower() or abs(len(a) - len(b)) > 2 or not (known_a or known_b):
                    continue
                za, zb = zipf_frequency(a.lower(), "en"), zipf_frequency(b.lower(), "en")
                if max(za, zb) >= 4 or not known_a and za >= 3 or not known_b and zb >= 3:
                    continue  # a common word: "Jury" beside "Yury"
                yield a, b
    # One or two letters apart, both known names with the same first letter.
    names = sorted(w for w in index.spellings if w[:1].isupper() and len(w) >= 5 and w in index.occurrences)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if b[0] != a[0]:
                break  # sorted: no later name starts with a's letter
            if abs(len(a) - len(b)) > 2 or romanization_key(a) == romanization_key(b):
                continue  # (the same romanization key: decided above)
            d = _distance(a.lower(), b.lower())
            if d == 0 or d > (1 if min(len(a), len(b)) < 7 else 2):
                continue
            if _gender_pair(a, b) or _inflected(a, b):
                continue
            za, zb = zipf_frequency(a.lower(), "en"), zipf_frequency(b.lower(), "en")
            if za >= 2.5 and zb >= 2.5 or max(za, zb) >= 3.5:  # "About" / "Abort": a common word
                continue
            yield a, b


def inconsistent_names(text: str, index: NameIndex) -> list[Finding]:
    """NAM001 on the rarer spelling of each name written two ways in the document."""
    out = []
    for a, b in _name_pairs(index):
        na, nb = len(index.occurrences[a]), len(index.occurrences[b])
        rare, common = (b, a) if nb < na or (nb == na and b > a) else (a, b)
        for s, e in index.occurrences[rare]:
            out.append(Finding(
                rule_id=RULE_ID, category=Category.SPELLING, severity=Severity.MINOR, start=s, end=e,  # reported as NameVariant.severity
                message=f"“{rare}” and “{common}” in one article: one name spelled two ways? "
                        f"(“{common}” {len(index.occurrences[common])}×)",
                replacements=(common,), origin=Origin.RULE, safe=False, confidence=0.7))
    return out
