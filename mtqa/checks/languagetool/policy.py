"""Which LanguageTool findings mtqa reports by default.  LanguageTool's English rules were
scored one by one against human post-edits (``benchmarks/flag_precision.py --all-rules`` on
the MLQE-PE ru-en **train** word tags; the tables are in BENCHMARKS.md and
``benchmarks/results/``).  A finding is right when it touches a word the post-editor
changed; a finding on a random word is right 18.5% of the time there.  The rules in
``DEFAULT_OFF`` were right no more often than that (or are optional punctuation, a matter
of house style), and none is an error by definition, so they run only when opted in
(``opt-in = ["LT:RULE_ID"]``, ``--opt-in LT`` for all of them) or, for the style ones,
under a house-style profile (``mtqa.checks.rules.styles``).

Two refinements of LanguageTool's speller (``MORFOLOGIK_RULE_EN_US``):
- a British spelling ("centre", "criticised": LanguageTool says "is British English") is a
  spelling variant, not a typo: it gets the id ``LT:MORFOLOGIK_RULE_EN_US_BRITISH``, off by
  default and on under the ``ap`` profile (AP uses American spelling);
- a word inside a URL, a path or an address ("https: //", "site.ru/page") is not a word
  of the text (:func:`not_prose`).
Spelling findings on names are dropped by the pipeline (``mtqa.checks.names``).

An unpaired quote in a quotation that runs over several paragraphs is not reported
(:func:`quote_spans_paragraphs`; not under ``--lines``, whose lines are unrelated).
"""
from __future__ import annotations

import re
from typing import Sequence

from mtqa.checks.select import enabled

BRITISH = "MORFOLOGIK_RULE_EN_US_BRITISH"

# precision on ru-en train (findings), 2026-12-01, see BENCHMARKS.md
DEFAULT_OFF: frozenset[str] = frozenset({
    "UPPERCASE_SENTENCE_START",      # 18.9% (74): lower-case line starts in feeds and lists
    "EN_UNPAIRED_BRACKETS",          # 9.1% (44)
    "COMMA_COMPOUND_SENTENCE",       # 24.4% (45): an optional comma, house style
    "COMMA_COMPOUND_SENTENCE_2",     # 21.1% (19): the same
    "PRP_COMMA",                     # 33% (3): the same
    "EN_WORD_COHERENCY",             # 7.7% (13): one spelling variant kept, a style choice
    "HYPHEN_TO_EN",                  # 0% (8): dash style
    "DASH_RULE",                     # 0% (2): dash style
    "EN_SPECIFIC_CASE",              # 16.7% (6)
    "LC_AFTER_PERIOD",               # 0% (4)
    "QUESTION_MARK",                 # 0% (3)
    "EN_COMPOUNDS_ANTI_VIRUS",       # 0% (3)
    "EN_DATE_WEEKDAY_CURRENTYEAR",   # 0% (2): assumes the article was written this year
    BRITISH,                         # 40% (25), a spelling variant: on under style = "ap"
    # Not seen on MLQE-PE; matters of style by LanguageTool's own messages, and as often on
    # the human reference of WMT22 news as on MT (benchmarks/false_alarms.py):
    "MISSING_COMMA_AFTER_YEAR",      # "Some style guides suggest..." a comma after the
                                     # year of a month-day-year date: on under style = "ap"
    "OMICRON_VARIANT",               # capitalizing "delta", "omicron": a capitalization
                                     # convention ("normally capitalized"), not an error
})

_SPELLER = re.compile(r"MORFOLOGIK_RULE_EN")


def refine_rule_id(rule: str, message: str) -> str:
    """LanguageTool's rule id, or mtqa's finer one for a British spelling variant."""
    if _SPELLER.match(rule) and "is British English" in (message or ""):
        return BRITISH
    return rule


def confident_typo(word: str, replacements: Sequence[str], initial: bool = False) -> bool:
    """A speller finding an editor must look at (``major``): a word of five or more letters,
    one or two edits (one for short words) from LanguageTool's first suggestion, which is a
    common word (wordfreq Zipf >= 4) far more frequent than the word itself ("goverment" ->
    "government", "recieved" -> "received").  A capitalized word counts only inside a
    sentence, one edit from a common capitalized word ("Moskow" -> "Moscow"): at the
    start of a sentence LanguageTool capitalizes every suggestion ("Nastya" -> "Nasty").
    Other unknown words - rare or transliterated words ("siloviki", "altyn"), capitalized
    words the name index missed - were right about half the time on MLQE-PE ru-en train,
    so they are ``minor``."""
    from wordfreq import zipf_frequency

    from mtqa.checks.names import _distance

    if not replacements or len(word) < 5 or not word.isalpha():
        return False
    best = replacements[0]
    if word.istitle():
        if initial or not best.istitle():
            return False
        return zipf_frequency(best.lower(), "en") >= 4 and _distance(word.lower(), best.lower()) == 1
    if not word.islower():
        return False
    best = best.lower()
    zb = zipf_frequency(best, "en")
    return (zb >= 4 and zb - zipf_frequency(word, "en") >= 1.5
            and _distance(word, best) <= (1 if len(word) < 6 else 2))


def sentence_initial(text: str, start: int) -> bool:
    """Whether text[start:] begins a sentence (or a line, or a quotation)."""
    before = text[:start].rstrip(" \t\"'“‘«(")
    return not before or before[-1] in ".!?:\n"


_URLISH = re.compile(r"://|^www\.|^[\w.-]+\.[a-z]{2,6}/|[\w.-]+@[\w-]+\.|[/\\]\w"
                     r"|^\(?(?:[\w-]+\.)+(?:com|ru|org|net|kg|kz|ua|by|me|one|to|io|info|su|tv|uk|de)\)?[.,;:)]*$")


def not_prose(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies in a URL, a path or an e-mail address (including a URL
    a translator broke with a space: "https: //example.com")."""
    from mtqa.segment import token_at

    if _URLISH.search(token_at(text, start, end)):
        return True
    # a URL a tokenizer spaced out: "https: / / old.reddit.com / r / ..."
    return bool(re.match(r"\s*:?\s*/\s*/", text[end:end + 8])) and text[start:end].lower() in ("http", "https", "ftp")


_QUOTE_RULES = ("EN_UNPAIRED_QUOTES",)
# A paragraph ends at a blank line, or (in HTML) at a block element's tag.
_PARAGRAPH = re.compile(r"\n[ \t]*\n|</?(?:p|div|li|h[1-6]|blockquote|section|article|td|th|dd|dt|br)\b[^>]*>",
                        re.IGNORECASE)


def quote_spans_paragraphs(text: str, rule_id: str, start: int, reach: int = 6) -> bool:
    """Whether an "unpaired quote" finding is LanguageTool misreading a quotation that runs
    over several paragraphs.  News copy opens a long quotation in one paragraph and closes
    it in a later one (a feed that splits a quoted passage into paragraphs does the same),
    and LanguageTool pairs quote marks over the whole text, so after such a quotation it
    also flags the well-paired quotes that follow.  Paragraphs with an odd number of quote
    marks (") or unmatched curly quotes are paired in order when at most ``reach``
    paragraphs apart: a finding in such a pair, or in a paragraph whose quotes pair up, is
    not reported; one in an unbalanced paragraph left without a partner is."""
    if rule_id.removeprefix("LT:") not in _QUOTE_RULES:
        return False
    bounds, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))

    def unbalanced(a: int, b: int) -> bool:
        p = text[a:b]
        return p.count('"') % 2 == 1 or p.count("\u201c") != p.count("\u201d")

    k = next((i for i, (a, b) in enumerate(bounds) if a <= start < b + 1), None)
    if k is None:
        return False
    if not unbalanced(*bounds[k]):
        return True  # its own paragraph pairs up: LanguageTool paired across paragraphs
    odd = [i for i, ab in enumerate(bounds) if unbalanced(*ab)]
    paired, i = set(), 0
    while i + 1 < len(odd):
        if odd[i + 1] - odd[i] <= reach:
            paired.update(odd[i:i + 2])
            i += 2
        else:
            i += 1
    return k in paired


def lt_enabled(rule_id: str, select: Sequence[str] = (), ignore: Sequence[str] = (),
               opt_in: Sequence[str] = ()) -> bool:
    return enabled(rule_id, select, ignore, opt_in, default=rule_id.removeprefix("LT:") not in DEFAULT_OFF)
