"""The phrase-list rule kind (phrases and suggestions live in a TSV data file) and the
calque rule built on it."""
from __future__ import annotations

import re
from functools import cached_property
from typing import Iterator, NamedTuple

from mtqa.checks.rules._util import data_bytes, indefinite, match_case
from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity


_NEXT_WORD = re.compile(r"\s+([\w-]+)")
_ARTICLE_BEFORE = re.compile(r"(?<![\w-])(an?)\s+\Z", re.IGNORECASE)


class Phrase(NamedTuple):
    phrase: str
    suggestions: tuple[str, ...]
    note: str
    safe: bool
    unless_next: frozenset[str] = frozenset()  # lower-case words that cancel a match


def parse_tsv(raw: bytes, name: str = "data") -> list[Phrase]:
    """Rows: phrase <TAB> suggestion|suggestion <TAB> note [<TAB> safe [<TAB> word|word]].
    The last column lists next words that make the phrase ordinary English ("the day
    before the vote").  '#' and blank lines are skipped; a malformed row raises with its
    line number."""
    rows = []
    for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or not cols[0].strip():
            raise ValueError(f"{name}:{n}: expected phrase<TAB>suggestions<TAB>note[<TAB>safe]")
        sugg = tuple(s.strip() for s in cols[1].split("|") if s.strip())
        safe = len(cols) > 3 and cols[3].strip().lower() in ("safe", "yes", "true")
        unless = frozenset(w.strip().lower() for w in cols[4].split("|")) if len(cols) > 4 else ()
        rows.append(Phrase(cols[0].strip(), sugg, cols[2].strip(), safe, frozenset(unless) - {""}))
    return rows


class PhraseListRule(Rule):
    """Base kind: flag every phrase of ``data_file`` (case-insensitive, whole words)."""

    data_file: str = ""
    fix_confidence: float = 0.6

    def data_signature(self) -> bytes:
        return data_bytes(self.data_file)

    @cached_property
    def phrases(self) -> dict[str, Phrase]:
        return {p.phrase.lower(): p for p in parse_tsv(self.data_signature(), self.data_file)}

    @cached_property
    def pattern(self) -> re.Pattern:
        # Longest first so "in the context of" wins over "the context"; any run of
        # whitespace matches a space, so line-wrapped text is still caught.
        alts = sorted(self.phrases, key=len, reverse=True)
        body = "|".join(r"\s+".join(map(re.escape, a.split())) for a in alts)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        text = sentence.text
        for m in self.pattern.finditer(text):
            p = self.phrases[" ".join(m.group(0).lower().split())]
            nxt = _NEXT_WORD.match(text, m.end())
            if nxt and nxt.group(1).lower() in p.unless_next:
                continue
            start, reps = m.start(), [match_case(m.group(0), s) for s in p.suggestions]
            # only the few characters before the match: searching from 0 each time made the
            # rule quadratic in the sentence's length
            art = _ARTICLE_BEFORE.search(text, max(0, start - 16), start)
            if art and reps:
                # "An interested discussion" -> "A lively discussion": the article must
                # follow the new first word, so it becomes part of the edit.
                start = art.start()
                reps = [match_case(art.group(1), f"{indefinite(r)} {r}") for r in reps]
            msg = f"Calque \"{m.group(0)}\""
            if reps:
                msg += ": use " + " or ".join(f"\"{r}\"" for r in reps)
            if p.note:
                msg += f" ({p.note})"
            yield self.finding(start, m.end(), msg, reps,
                               safe=p.safe and bool(reps), confidence=self.fix_confidence)


class Calques(PhraseListRule):
    """Calque from Russian officialese, with a fluent English alternative.

    What it flags: word-for-word renderings of Russian set phrases that English news copy
    does not use: "topical issues" (актуальные вопросы), "within the framework of" (в рамках),
    "the Russian side" (российская сторона), "interested discussion" (заинтересованная
    дискуссия), "confidential exchange of views" (доверительный обмен мнениями), ...
    The list lives in mtqa/checks/rules/data/calques.tsv (phrase, suggestions separated by "|",
    note, optional "safe").
    Why: each is grammatical but marks the text as translated, and some mislead
    ("confidential" suggests secrecy; "доверительный" means frank).
    Example: The ministers discussed topical issues of interaction.
    Use instead: The ministers discussed pressing issues of cooperation.
    Fix safety: unsafe - the right alternative depends on context; only rows marked
    "safe" in the data file (exact, meaning-identical swaps) are applied automatically.
    """

    id = "CAL001"
    name = "calque"
    category = Category.CALQUE
    severity = Severity.MINOR
    data_file = "calques.tsv"
    examples = (
        Example("The ministers discussed topical issues of interaction.", True,
                "The ministers discussed current issues of interaction."),
        Example("An interested discussion took place on cooperation.", True,
                "A lively discussion took place on cooperation."),
        Example("The Russian side provided detailed information.", True,
                "Russia provided detailed information."),
        Example("They continued, on a regular basis, a confidential exchange of views.", True,
                "They continued, on a regular basis, a frank exchange of views."),
        Example("They meet on a regular basis to discuss pressing issues.", False),
        Example("The talks were held by video conference.", False),
    )


RULES = (Calques,)
