"""Names spelled two ways in one article (NAM family)."""
from __future__ import annotations

from typing import Iterator

from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity


class NameVariant(Rule):
    """One name spelled two ways in one article.

    What it flags: a name that the same article also writes with one or two letters
    different - "Overchuk" in one paragraph, "Overchuck" in another - or in another
    romanization of the same Russian name ("Sergei" / "Sergey", "Yesenin" / "Esenin",
    "Aleksei" / "Alexei"), on the rarer spelling.  Names are what ``mtqa.checks.names``
    recognizes (entities, capitalized words inside a sentence, spellings the article
    repeats, the source's transliterations, the glossary).
    Not flagged: the two gender forms of a Russian surname (Ivanov / Ivanova, Bely /
    Belaya), dictionary words (Maria / Marina), names shorter than five letters (four
    for two romanizations).
    Why: transliteration varies between translators and even within one MT output; a
    reader cannot tell whether two spellings are one person.
    Example: Alexei Overchuk met the delegation. Overchuck said the talks went well.
    Use instead: one spelling throughout (the glossary's, or the more frequent one).
    Fix safety: unsafe - which spelling is right needs the source or a style guide.
    """

    id = "NAM001"
    name = "name-variant"
    category = Category.SPELLING
    # minor: on MLQE-PE ru-en train it was right 2 of 11 times, about a random word's rate
    # (benchmarks/results/flag_precision_train_all.md); often two real people or a real
    # inflection.  An editor still sees it.
    severity = Severity.MINOR
    examples = (
        Example("Deputy Prime Minister Alexei Overchuk met Aliyev, and Overchuk said that "
                "Overchuck would come back.", True),
        Example("Ivan Ivanov and Maria Ivanova came.", False),
    )

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        seg = sentence.segment
        ctx = sentence.document
        if "_nam001" not in ctx._cache:
            from mtqa.checks.names import inconsistent_names

            ctx._cache["_nam001"] = inconsistent_names(ctx.text, ctx.names)
        for f in ctx._cache["_nam001"]:
            if seg.start <= f.start and f.end <= seg.end:
                yield self.finding(f.start - seg.start, f.end - seg.start, f.message, f.replacements,
                                   confidence=f.confidence)


RULES = (NameVariant,)
