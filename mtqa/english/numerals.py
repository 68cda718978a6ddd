"""English numbers read as values: the one home of what a number in English copy is.

The meaning guard (mtqa.edits.invariants) compares a sentence's numbers before and after an edit,
the source checks (mtqa.checks.source) compare them with the Russian original's, and the
NUM rules (mtqa.checks.rules.numbers) compute their replacements here, so all three read "160
thousand", "160,000", "6,5", "5 mln" and "1 500" alike.

What a figure is (``find_numbers``):
- digits with English grouping commas and an optional decimal point: "1,500", "1,500.5";
- digits grouped by (no-break, thin) spaces, as Russian writes them: "1 500", "1 500,5";
- a decimal point or a Russian decimal comma: "6.5", "6,5"; a comma before exactly three
  digits groups thousands ("1,500" is 1500, never 1.5);
- a minus sign right before the digits, not inside a word ("-5", "−5"; "COVID-19" is 19);
- a scale word or abbreviation right after the digits (``SCALES``): "30 billion", "5 mln",
  "2 bn", "10 mlrd" (a milliard: an English billion);
- any other run of digits, points and commas ("1.500.000", "01.02.2020") is a layout
  not read: its value is its own text, so it equals only itself and a change to any of
  its digits is still a change.
Number words ("five", "first", "dozen", "a million", "thousands") are counted as words by
``numbers``, not given values: "five" -> "5" is a change to the guard, which errs on the
side of refusing an edit."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Optional, Union

# The English scale words, then the abbreviations MT copies from Russian ("млн" -> "mln",
# "млрд" -> "mlrd", "трлн" -> "trln") or from house styles ("mn", "bn").
WORD_SCALES = {"hundred": 10**2, "thousand": 10**3, "million": 10**6, "billion": 10**9,
               "trillion": 10**12}
ABBREVIATIONS = {"mln": "million", "mn": "million", "bln": "billion", "bn": "billion",
                 "mlrd": "billion", "trln": "trillion"}
SCALES = {**WORD_SCALES, **{a: WORD_SCALES[w] for a, w in ABBREVIATIONS.items()}}

# Number words outside a figure.  Scale words standing alone count ("a million people" ->
# "a billion people" changes a number); after digits they are part of the figure.
NUMBER_WORDS = frozenset("""
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
ninety hundred thousand million billion trillion dozen half twice
first second third fourth fifth sixth seventh eighth ninth tenth
dozens hundreds thousands millions billions
""".split())

_SCALE_WORD = "|".join(sorted(SCALES, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?:(?<!\w)([-−]))?"  # a minus sign, not a hyphen inside a word ("COVID-19")
    r"(?<!\w)(?<!\d[.,])"  # not inside a word ("G20") nor the tail of a figure that is ("v1.5")
    r"(\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?!\d)(?:[.,]\d+)?"  # space-grouped: "1 500", "1 500,5"
    r"|\d+(?:[.,]\d+)*)"  # "1,500.5", "6,5", "2019", "01.02.2020"
    rf"(?:\s*({_SCALE_WORD})\b)?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[\u00a0\u202f ]")
_COMMA_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Number:
    """A figure at ``text[start:end]`` (its sign and scale word included).  ``value`` is a
    Decimal, or for a layout not read the figure's own text (equal only to itself)."""

    start: int
    end: int
    value: Union[Decimal, str]


def _read(sign: Optional[str], digits: str, scale: Optional[str]) -> Union[Decimal, str]:
    plain = _SPACES.sub("", digits)  # "1 500,5" -> "1500,5"
    if _COMMA_GROUPED.fullmatch(plain):  # "1,500", "1,500.5"
        plain = plain.replace(",", "")
    elif _DECIMAL.fullmatch(plain):  # "6.5", "6,5", "1500,5"
        plain = plain.replace(",", ".")
    else:  # "1.500.000", "01.02.2020": not read
        return f"{sign or ''}{digits}{' ' + scale.lower() if scale else ''}"
    value = Decimal(plain) * SCALES[scale.lower()] if scale else Decimal(plain)
    value = (-value if sign else value).normalize()  # "1.50" and "1.5" are one value
    return value.quantize(1) if value.as_tuple().exponent > 0 else value  # 1.6E+5 -> 160000


def find_numbers(text: str) -> Iterator[Number]:
    """Every figure of ``text``, in order."""
    for m in _NUMBER.finditer(text):
        yield Number(m.start(), m.end(), _read(m.group(1), m.group(2), m.group(3)))


def value(text: str) -> Optional[Decimal]:
    """The value of ``text`` when it is one figure in a layout read ("160 thousand",
    "1.5 mln"), else None."""
    m = _NUMBER.fullmatch(text.strip())
    v = _read(m.group(1), m.group(2), m.group(3)) if m else None
    return v if isinstance(v, Decimal) else None


_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                      "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SPELLED = re.compile(
    rf"(?<![\w-])(?:({'|'.join(_TENS)})(?:[- ]({'|'.join(list(_UNITS)[1:10])}))?|({'|'.join(_UNITS)}))"
    rf"(?:\s+({'|'.join(WORD_SCALES)}))?(?![\w-])",
    re.IGNORECASE,
)


def spelled_values(text: str) -> list[Decimal]:
    """The values of numbers spelled out in words: "four" 4, "twenty-five" 25, "twenty
    thousand" 20000.  For comparing with a source that writes digits (the source checks);
    the guard keeps number words as words (``numbers``)."""
    out = []
    for m in _SPELLED.finditer(text):
        tens, unit, alone, scale = (g.lower() if g else g for g in m.groups())
        v = _TENS[tens] + (_UNITS[unit] if unit else 0) if tens else _UNITS[alone]
        out.append(Decimal(v * (WORD_SCALES[scale] if scale else 1)))
    return out


def _count_words(out: Counter, text: str, lo: int, hi: int) -> None:
    out.update(f"w:{w}" for w in map(str.lower, _WORD.findall(text, lo, hi)) if w in NUMBER_WORDS)


def numbers(text: str) -> Counter:
    """The multiset of figures' values and of number words (as ``"w:five"``) in ``text``:
    what an edit must keep.  A scale word after digits is part of the figure, so "160
    thousand" and "160,000" are one number and "a million" is a number word."""
    out: Counter = Counter()
    pos = 0
    for n in find_numbers(text):
        _count_words(out, text, pos, n.start)
        out[n.value] += 1
        pos = n.end
    _count_words(out, text, pos, len(text))
    return out
