"""The meaning guard: invariants that every applied edit must keep.  A post-edit must never
change a number, amount, date, name, negation or quotation.  ``check_invariants(before,
after)`` returns None when they hold, else a short reason ("numbers", "names", "negation",
"quotes") that reports show.  Numbers are compared by value (mtqa.english.numerals reads them), so
"160 thousand" -> "160,000" and "$ 30 billion" -> "$30 billion" pass while "30" -> "13"
does not."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Optional

from mtqa.english.lexicon import FUNCTION_WORDS, NEGATIONS
from mtqa.english.numerals import numbers

_NEGATION = re.compile(  # "n't" also inside a word: "isn't", "don't"
    r"\b(" + "|".join(sorted(NEGATIONS - {"n't"})) + r")\b|n't\b", re.IGNORECASE)
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_QUOTED = re.compile(r"[\"“«„](.+?)[\"”»“]")


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _words(text: str, lo: int = 0, hi: Optional[int] = None):
    """(word, sentence-initial?) for every word of text[lo:hi] (lo and hi at whitespace or
    the ends: no word is cut); initial-ness looks at the whole text."""
    for m in _WORD.finditer(text, lo, len(text) if hi is None else hi):
        k = m.start() - 1
        while k >= 0 and text[k].isspace():  # only the gap before the word: linear overall
            k -= 1
        yield m.group(0), k < 0 or text[k] in ".!?:\"“«(\n"


def _is_name(w: str, initial: bool) -> bool:
    # A sentence-initial function word (mtqa.english.lexicon) is never a name; any other
    # capitalized word is one, so "Sergey Lavrov said" -> "Sergei Lavrov said" is caught
    # even at the start.
    if w[0].isupper() and initial and w.lower() in FUNCTION_WORDS:
        return False
    return w.lower() in _MONTHS or w[0].isupper() or any(c.isupper() for c in w[1:])


def names(text: str, lo: int = 0, hi: Optional[int] = None) -> Counter:
    """Capitalized words (proper names) except sentence-initial function words, months, and
    any word with an inner capital (acronyms, model names)."""
    return Counter(w for w, initial in _words(text, lo, hi) if _is_name(w, initial))


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search on slice equality: C speed
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _window(before: str, after: str, margin: int = 48) -> tuple[int, int, int]:
    """(lo, hi in before, hi in after): the part that differs, widened by ``margin`` and out
    to whitespace, the same text on both sides outside it.  Names are compared there
    only, so an edit costs the same in a long sentence as in a short one."""
    p = _common_prefix(before, after)
    q = _common_prefix(before[p:][::-1], after[p:][::-1])
    lo = max(0, p - margin)
    while lo > 0 and not before[lo].isspace():
        lo -= 1
    tail = max(0, q - margin)  # characters of the common suffix left out
    hb = len(before) - tail
    while tail > 0 and hb < len(before) and not before[hb].isspace():
        hb += 1
        tail -= 1
    return lo, hb, len(after) - (len(before) - hb)


def _same_names(before: str, after: str, win: Optional[tuple[int, int, int]] = None) -> bool:
    """The same names before and after, where a capitalized sentence-initial word that moves
    inside the sentence (and loses its capital) is the same word: "Government decided" ->
    "The government decided" keeps every name, "Sergey said" -> "Sergei said" does not."""
    lo, hb, ha = win or (0, len(before), len(after))

    def split(text, hi):
        inner, first = Counter(), Counter()
        for w, initial in _words(text, lo, hi):
            if _is_name(w, initial):
                (first if initial and w[0].isupper() and not any(c.isupper() for c in w[1:]) else inner)[w] += 1
        return inner, first, Counter(w for w, initial in _words(text, lo, hi) if not initial)

    bi, bf, b_lower = split(before, hb)
    ai, af, a_lower = split(after, ha)
    # an initial word in one text may be a lower-case inner word of the other
    for w, n in bf.items():
        if ai[w] or af[w]:
            continue
        if a_lower[w[0].lower() + w[1:]] < n:
            return False
    for w, n in af.items():
        if bi[w] or bf[w]:
            continue
        if b_lower[w[0].lower() + w[1:]] < n:
            return False
    moved = {w for w in bf if not (ai[w] or af[w])} | {w for w in af if not (bi[w] or bf[w])}
    return +(bi + Counter({w: n for w, n in bf.items() if w not in moved})) == \
        +(ai + Counter({w: n for w, n in af.items() if w not in moved}))


def negations(text: str) -> int:
    return len(_NEGATION.findall(text))


def quotes(text: str) -> Counter:
    return Counter(q.strip() for q in _QUOTED.findall(unicodedata.normalize("NFC", text)))


def check_invariants(before: str, after: str) -> Optional[str]:
    """None if the edit keeps numbers, names, negation and quotations; else the reason.
    Numbers, names and negations are compared around the part that changed (the rest is
    the same text on both sides); quotations over the whole text, since a change anywhere
    inside a quotation changes it."""
    lo, hb, ha = win = _window(before, after)
    b, a = before[lo:hb], after[lo:ha]
    if numbers(b) != numbers(a):
        return "numbers"
    if names(before, lo, hb) != names(after, lo, ha) and not _same_names(before, after, win):
        return "names"
    if negations(b) != negations(a):
        return "negation"
    if quotes(before) != quotes(after):
        return "quotes"
    return None
