"""Checks against an optional Russian source: numbers, amounts, dates, URLs, quotes and
names present in the source but missing or changed in the English, and a length ratio.
Offsets are str offsets into the English text; a finding about something *missing*
spans the whole English sentence (there is nothing narrower to point at)."""
from __future__ import annotations

import difflib
import re
from decimal import Decimal

from mtqa.english.numerals import SCALES, find_numbers
from mtqa.errors import InputError
from mtqa.types import Category, Finding, Origin, Segment, Severity

_ACCURACY = Category.ACCURACY

# Russian scale words, by the English word of the same value (mtqa.english.numerals): a milliard
# is an English billion.
_RU_SCALE = {ru: SCALES[en] for ru, en in (("тыс", "thousand"), ("млн", "million"), ("млрд", "billion"),
                                           ("трлн", "trillion"), ("тысяч", "thousand"), ("миллион", "million"),
                                           ("миллиард", "billion"), ("триллион", "trillion"))}
_RU_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?(?:\s*(тыс|млн|млрд|трлн|тысяч|миллион|миллиард|триллион)\w*)?", re.I)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_RU_MONTH = re.compile(r"\b(\d{1,2})?\s*(январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*", re.I)
_RU_MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_URL = re.compile(r"(?:https?://|www\.)[^\s«»\"<>]+|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|com|org|net|рф|by|ua|kz)\b(?:/[^\s«»\"<>]*)?", re.I)
_QUOTE = re.compile(r"«[^»]+»|„[^“]+“")
_CYR_CAP = re.compile(r"(?<![\w])[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch  y  e yu ya".split(" ")))


def _value(intpart: str, frac: str | None, scale: int) -> Decimal:
    """A Russian figure's value, comparable with mtqa.english.numerals' values of English ones."""
    v = Decimal(re.sub(r"[^\d]", "", intpart) + ("." + frac if frac else ""))
    return (v * scale).normalize()


def _ru_numbers(src: str) -> list[tuple[Decimal, str]]:
    out = []
    for m in _RU_NUM.finditer(src):
        scale = _RU_SCALE.get((m.group(3) or "").lower()[:8].rstrip("аиео"), None) if m.group(3) else 1
        if scale is None:
            scale = next((v for k, v in _RU_SCALE.items() if m.group(3).lower().startswith(k)), 1)
        out.append((_value(m.group(1), m.group(2), scale), m.group().strip()))
    return out


def _finding(rule: str, sev: Severity, start: int, end: int, msg: str, cat: Category = _ACCURACY, conf: float = 0.7) -> Finding:
    return Finding(rule, cat, sev, start, end, msg, origin=Origin.RULE, confidence=conf)


def translit(word: str) -> str:
    return "".join(_TRANSLIT.get(c, c) for c in word.lower())


def _check_numbers(mt: str, src: str) -> list[Finding]:
    # Day numbers of dates are checked with the dates.
    src_wo_dates = _RU_MONTH.sub(lambda m: " " + m.group(2), src)
    # Magnitudes only: the source may spell a sign out ("минус 5") where the English writes
    # "-5", and the other way round.
    en_vals = [abs(n.value) if isinstance(n.value, Decimal) else n.value for n in find_numbers(mt)]
    out = []
    for v, surface in _ru_numbers(src_wo_dates):
        if v in en_vals:
            en_vals.remove(v)
        else:
            out.append(_finding("SRC001", Severity.CRITICAL, 0, len(mt), f"number «{surface}» from the source is missing or changed", conf=0.8))
    return out


def _check_dates(mt: str, src: str) -> list[Finding]:
    low = mt.lower()
    out = []
    for m in _RU_MONTH.finditer(src):
        stem = m.group(2).lower()
        idx = next(i for i, s in enumerate(_RU_MONTH_STEMS) if stem.startswith(s))
        if stem.startswith("ма") and not m.group(1):
            continue  # "мая"/"май" without a day may be the verb or a name; too ambiguous
        month = _MONTHS[idx]
        pos = low.find(month)
        if pos < 0 and low.find(month[:3] + ".") < 0:
            out.append(_finding("SRC002", Severity.MAJOR, 0, len(mt), f"date: {month.title()} from the source is missing"))
        elif m.group(1) and not re.search(rf"(?<!\d){int(m.group(1))}(?:st|nd|rd|th)?(?!\d)", mt):
            out.append(_finding("SRC002", Severity.MAJOR, pos, pos + len(month), f"date: day {int(m.group(1))} of {month.title()} is missing or changed"))
    return out


def _check_urls(mt: str, src: str) -> list[Finding]:
    return [
        _finding("SRC003", Severity.MAJOR, 0, len(mt), f"URL {m.group()} from the source is missing or changed", conf=0.8)
        for m in _URL.finditer(src)
        if m.group().rstrip(".,;").lower() not in mt.lower()
    ]


def _check_quotes(mt: str, src: str) -> list[Finding]:
    if _QUOTE.search(src) and not re.search(r"[\"“”'‘’«»]", mt):
        return [_finding("SRC004", Severity.MINOR, 0, len(mt), "the source quotes something; the translation has no quotation marks", Category.PUNCTUATION, 0.5)]
    return []


def _check_names(mt: str, src: str) -> list[Finding]:
    en_words = [w.lower() for w in _EN_WORD.findall(mt) if w[0].isupper()]
    out = []
    for m in _CYR_CAP.finditer(src):
        before = src[: m.start()].rstrip()
        if not before or before[-1] in ".!?«\"„":  # sentence-initial: any word is capitalized
            continue
        t = translit(m.group())
        stem = t[: max(4, len(t) - 2)]  # Russian case endings
        best = max((difflib.SequenceMatcher(None, stem, w[: len(stem)]).ratio() for w in en_words), default=0.0)
        if best < 0.6:
            out.append(_finding("SRC005", Severity.MINOR, 0, len(mt), f"name {m.group()} ({t.title()}?) from the source not found", conf=0.4))
    return out


def _check_length(mt: str, src: str) -> list[Finding]:
    if len(src.strip()) < 20:
        return []
    ratio = len(mt.strip()) / len(src.strip())
    if ratio < 0.5 or ratio > 2.0:
        what = "shorter" if ratio < 1 else "longer"
        return [_finding("SRC006", Severity.MAJOR, 0, len(mt), f"translation is {ratio:.2f}x the source length: much {what} than usual (omission or addition?)", conf=0.5)]
    return []


def check_source(mt: str, src: str) -> list[Finding]:
    """Findings for the English ``mt`` against its Russian source ``src``."""
    out: list[Finding] = []
    for check in (_check_numbers, _check_dates, _check_urls, _check_quotes, _check_names, _check_length):
        out.extend(check(mt, src))
    return sorted(out, key=lambda f: (f.start, f.end, f.rule_id))


def source_findings(text: str, sents, source: str, lines: bool = False, select=(), ignore=()) -> list[Finding]:
    """The source checks of a document, in its offsets: line-aligned with ``lines`` (one
    source line per sentence, i.e. per input line), else the whole document against the
    whole source.  Only the selected rule ids (``select``/``ignore`` prefixes)."""
    import dataclasses

    from mtqa.checks.select import selected

    if lines:
        src_lines = source.splitlines()
        if len(src_lines) != len(sents):
            raise InputError(f"--source has {len(src_lines)} lines but the input has {len(sents)}")
        pairs = [(s, src) for s, src in zip(sents, src_lines)]
    else:
        start = sents[0].start if sents else 0
        end = sents[-1].end if sents else 0
        pairs = [(Segment(start, end, text[start:end]), source)] if sents else []
    out = []
    for seg, src in pairs:
        for f in check_source(seg.text, src):
            if selected(f.rule_id, select, ignore):
                out.append(dataclasses.replace(f, start=f.start + seg.start, end=f.end + seg.start))
    return out
