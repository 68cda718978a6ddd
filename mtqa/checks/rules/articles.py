"""Missing article before a singular count noun (ART family), POS-based with spaCy."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from mtqa.english.lexicon import DETERMINER_LIKE
from mtqa.checks.rules._util import data_bytes, ends_sentence, indefinite, word_list
from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity

# Syntactic slots where English needs a determiner before a singular count noun.
# Objects of "of" are left out: "member of parliament", "head of state", "point of view".
_SLOTS = {"nsubj", "nsubjpass", "dobj", "attr", "pobj"}
_DET_DEPS = {"det", "poss", "nummod", "predet", "quantmod", "nmod"}
_TIME_ADJ = {"last", "next", "previous", "this", "past", "coming", "following"}
_FINITE = {"VBD", "VBZ", "VBP", "MD"}
_NO_ART_PREPS = {"of", "as", "per", "than", "like", "without", "via", "towards", "toward"}
_ROLE_HEADS = {"become", "remain", "elect", "appoint", "name", "make", "serve", "stay"}
# Abstract nouns are mostly used as mass nouns in news ("economic activity", "accelerated
# vaccination").
_ABSTRACT = ("tion", "sion", "ity", "ance", "ence", "ness", "ism", "ing", "ship", "dom",
             "hood", "cy", "ure")
_NEEDS_THE = {"ORDINAL", "GPE", "LOC", "NORP", "FAC"}
# A noun is "count" when its plural is at least this common relative to the singular.
_PLURAL_RATIO = 0.1


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def is_count_noun(lemma: str) -> bool:
    """Countable beyond doubt: listed in data/count_nouns.txt and not in mass_nouns.txt.
    Word-frequency and suffix heuristics were tried on WMT22 output and flagged mostly
    mass uses ("express concern", "dietary fiber"), so ART001 trusts only the list."""
    return lemma in word_list("count_nouns.txt") and lemma not in word_list("mass_nouns.txt")


@lru_cache(maxsize=4096)
def likely_count_noun(lemma: str) -> bool:
    """Looser test for building a rewrite (PAS001): listed, or not mass/abstract and with
    a plural at least 10% as common as the singular (wordfreq)."""
    if is_count_noun(lemma):
        return True
    if lemma in word_list("mass_nouns.txt") or lemma.endswith(_ABSTRACT):
        return False
    from wordfreq import zipf_frequency  # delayed: loads a frequency table

    sing, plur = zipf_frequency(lemma, "en"), zipf_frequency(_plural(lemma), "en")
    return sing > 0 and 10 ** (plur - sing) >= _PLURAL_RATIO


def _needs_the(noun) -> bool:
    return any(c.ent_type_ in _NEEDS_THE or c.tag_ in ("JJS", "RBS") for c in noun.lefts)


def _np_start(noun):
    """First token of the noun's pre-modifier chain (adjectives, compounds, adverbs)."""
    start = noun
    for child in noun.lefts:
        if child.dep_ in ("amod", "compound", "advmod", "nmod", "npadvmod", "hyph", "punct"):
            start = min(start, child.left_edge, key=lambda t: t.i)
    # "ex-president": the hyphenated prefix belongs to the noun phrase.
    while start.i >= 2 and start.nbor(-1).text == "-" and not start.nbor(-1).whitespace_ \
            and not start.nbor(-2).whitespace_:
        start = start.nbor(-2)
    # Skip leading punctuation (quotes) so the edit does not land outside them.
    while start.i < noun.i and start.is_punct:
        start = start.nbor(1)
    return start


_ADMIN_UNITS = frozenset("province district oblast county prefecture krai okrug raion".split())


def _determiner_before(start, reach: int = 5) -> bool:
    """A determiner a few modifier words before the noun phrase's start."""
    t = start
    for _ in range(reach):
        if t.i == 0:
            return False
        t = t.nbor(-1)
        if t.lower_ in DETERMINER_LIKE or t.tag_ in ("DT", "PRP$", "POS", "WP$"):
            return True
        modifier_verb = t.pos_ == "VERB" and t.dep_ in ("amod", "acl") and t.head.pos_ in ("NOUN", "PROPN")
        if t.pos_ not in ("ADJ", "ADV", "PROPN", "NOUN", "PUNCT") and not modifier_verb \
                or t.text in (",", ";", ":", "(", ")"):
            return False
    return False


def _needs_article(noun, first_alpha: int) -> bool:
    if noun.tag_ != "NN" or noun.dep_ not in _SLOTS or noun.ent_type_:
        return False
    text = noun.text
    if not text.isalpha() or not (text.islower() or (noun.i == first_alpha and text[1:].islower())):
        return False
    if any(c.dep_ in _DET_DEPS or c.lower_ in DETERMINER_LIKE or c.tag_ in ("PRP$", "POS", "CD", "DT")
           for c in noun.children):
        return False
    start = _np_start(noun)
    prev = start.nbor(-1) if start.i > 0 else None
    if prev is not None and (prev.lower_ in DETERMINER_LIKE or prev.tag_ in ("DT", "PRP$", "POS", "CD", "WP$")
                             or prev.text in ("'s", "’s", "%", "$")):
        return False
    if any(c.lower_ in _TIME_ADJ for c in noun.lefts):
        return False
    if _determiner_before(start):
        return False  # "a plastic prefabricated Orthodox church": the parse lost the "a"
    if noun.lower_ in _ADMIN_UNITS and any(c.pos_ == "PROPN" for c in noun.lefts):
        return False  # "in Zhejiang province", "Segezha district": news English says both
    if f"{noun.head.lemma_} {noun.lower_}" in word_list("article_free.txt"):
        return False  # verb idioms: "take part", "fall victim"
    if any(c.dep_ == "conj" for c in noun.children):
        return False  # coordinations ("claim and lawsuit work") parse unreliably
    if noun.dep_ == "attr" and any(c.dep_ == "expl" for c in noun.head.children):
        return False  # "there is debate": existential sentences favour mass readings
    if prev is not None and prev.text in ('"', "“", "'", "‘", "«"):
        return False  # quoted words and titles
    if any(c.dep_ == "compound" and c.ent_type_ in ("ORG", "PERSON", "WORK_OF_ART") for c in noun.lefts):
        return False  # "TASS correspondent reports" is a news formula
    if noun.dep_ == "pobj":
        prep = noun.head.lower_
        if prep in _NO_ART_PREPS or f"{prep} {noun.lower_}" in word_list("article_free.txt"):
            return False
        # After a preposition only the clear cases: a modifier that needs "the"
        # ("in third meeting", "in Leningrad region", "in largest city").
        if not _needs_the(noun):
            return False
    if noun.lower_ in word_list("role_nouns.txt"):
        return False  # posts and titles: "became president", "Former deputy ... Denisenko"
    if noun.head.lemma_ in _ROLE_HEADS and noun.dep_ in ("attr", "oprd", "dobj"):
        return False
    # Nouns followed by a number or a name are labels: "article 5", "room 101".
    nxt = noun.nbor(1) if noun.i + 1 < len(noun.doc) else None
    if nxt is not None and (nxt.like_num or nxt.tag_ == "NNP" or nxt.text in ("-", "/")):
        return False
    return is_count_noun(noun.lemma_.lower())


_DATA_FILES = ("mass_nouns.txt", "count_nouns.txt", "article_free.txt", "role_nouns.txt")


class MissingArticle(Rule):
    """Missing article before a singular count noun.

    What it flags: a singular common noun used as subject, object, complement or object
    of a preposition with no determiner before it ("it was adopted joint statement",
    "He is member of parliament").  Russian has no articles, so MT often drops them.
    After a preposition only nouns whose modifier demands "the" are flagged ("in third
    meeting", "in Leningrad region", "in largest city").
    Only nouns listed as count nouns (data/count_nouns.txt: "statement", "member",
    "meeting", ...) are checked: countability cannot be told from the word alone
    ("express concern", "dietary fiber").  Not flagged: mass nouns (data/mass_nouns.txt),
    proper names, nouns used as modifiers, coordinated nouns, "there is debate",
    fixed phrases ("by car", "at home", "take part": data/article_free.txt), posts after
    "become"/"elect" ("became president": data/role_nouns.txt), labels ("article 5"),
    quoted words, and titles or headlines (no finite verb or no final full stop).
    Why: a missing article is the most visible mark of translation from Russian.
    Example: He is member of parliament.
    Use instead: He is a member of parliament.
    Fix safety: unsafe - "a" or "the" depends on what the reader already knows.
    """

    id = "ART001"
    name = "missing-article"
    category = Category.GRAMMAR
    severity = Severity.MINOR
    examples = (
        Example("Following the meeting, it was adopted joint statement on cooperation.", True,
                "Following the meeting, it was adopted a joint statement on cooperation."),
        Example("He is member of parliament.", True, "He is a member of parliament."),
        Example("He is a member of parliament and travels by car.", False),
        Example("She became president and gave information about security.", False),
        Example("Pictured is a plastic prefabricated Orthodox church inside the station.", False),
    )

    def data_signature(self) -> bytes:
        return b"".join(data_bytes(n) for n in _DATA_FILES)

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        doc = sentence.doc
        if not any(t.tag_ in _FINITE for t in doc) or not ends_sentence(sentence.text):
            return  # titles and headlines drop articles on purpose
        first_alpha = next((t.i for t in doc if t.is_alpha), -1)
        for noun in doc:
            if not _needs_article(noun, first_alpha):
                continue
            start = _np_start(noun)
            yield self._finding(doc, start, noun)

    def _finding(self, doc, start, noun) -> Finding:
        np = doc[start.i: noun.i + 1].text
        initial = start.i == next(t.i for t in doc if not t.is_punct)
        nxt = doc[start.i + 1] if start.i + 1 < len(doc) else start
        if initial and not (start.ent_type_ or start.tag_ == "NNP") and (start is noun or nxt.text[:1].islower()):
            np = np[0].lower() + np[1:]
        reps = [f"{indefinite(np)} {np}", f"the {np}"]
        if _needs_the(noun):
            reps.reverse()
        if initial:
            reps = [r[0].upper() + r[1:] for r in reps]
        return self.finding(start.idx, noun.idx + len(noun.text),
                            f"Missing article before \"{np}\": \"{reps[0]}\" or \"{reps[1]}\"",
                            reps, confidence=0.6)


RULES = (MissingArticle,)
