"""Small helpers shared by the rule modules: data files, case, articles."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_DATA = "mtqa.checks.rules.data"


def data_bytes(name: str) -> bytes:
    """The raw bytes of a data file (rules hash these so the rule-set hash follows data)."""
    return resources.files(_DATA).joinpath(name).read_bytes()


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    """A one-word-or-phrase-per-line data file; '#' starts a comment; lower-cased."""
    out = set()
    for line in data_bytes(name).decode("utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return frozenset(out)


def match_case(original: str, replacement: str) -> str:
    """Give ``replacement`` the case of ``original``'s first letter (only that letter:
    "The Russian side" -> "Russia", "the Russian side" -> "Russia" stays capitalised)."""
    if not replacement or not original:
        return replacement
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    if original[0].islower() and replacement[:1].isupper() and replacement[1:2].islower():
        # "the Russian side" -> "Russia": a proper name keeps its capital.
        return replacement
    return replacement[0].lower() + replacement[1:] if original[0].islower() else replacement


# Spelling that misleads the vowel test: "an hour", "a union", "a one-off", "an MP".
_AN_EXCEPT = re.compile(r"^(hour|honest|honou?r|heir)", re.I)
_A_EXCEPT = re.compile(r"^(uni|use|usu|uti|euro|eu|one|once|ubiq|ura|uro)", re.I)
_AN_LETTERS = set("AEFHILMNORSX")  # initialisms read letter by letter: "an FSB officer"


def indefinite(word: str) -> str:
    """'a' or 'an' for ``word`` (spelling-based with the usual exceptions)."""
    if not word:
        return "a"
    if word.isupper() and len(word) > 1 and not re.search(r"[AEIOU]{1}[A-Z]*[AEIOU]", word):
        return "an" if word[0] in _AN_LETTERS else "a"
    if _AN_EXCEPT.match(word):
        return "an"
    if _A_EXCEPT.match(word):
        return "a"
    return "an" if word[0].lower() in "aeiou" else "a"


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends like a sentence; headlines and titles do not."""
    return bool(_SENTENCE_END.search(text))
