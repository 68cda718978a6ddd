"""One shared set of hand-built reports that every renderer (text, JSON, diff, HTML,
SARIF, JUnit, GitHub, JSON Lines) is tested on.  Built by hand, not by the pipeline, so a
renderer's tests do not depend on LanguageTool or spaCy."""
from __future__ import annotations

from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, SentenceResult, Severity

ARTICLE = (
    "Post sponsored by\n\n"
    "In 2019, trade exceeded $ 30 billion.\r\n"
    "An interested discussion took place. 😀 Students: 160 thousand.\n\n"
    "It was adopted joint statement <script>alert(1)</script> <img src=x onerror=alert(2)>.\n\n"
    "EDITOR’S NOTE: This article is a translation.\n"
)


def _at(needle: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = ARTICLE.index(needle, i + 1)
    return i, i + len(needle)


def sample_report(path: str = "examples/fixture.txt") -> Report:
    t = ARTICLE
    segs = []
    for piece, kind in [
        ("Post sponsored by", "boilerplate"),
        ("In 2019, trade exceeded $ 30 billion.", "sentence"),
        ("An interested discussion took place.", "sentence"),
        ("😀 Students: 160 thousand.", "sentence"),
        ("It was adopted joint statement <script>alert(1)</script> <img src=x onerror=alert(2)>.", "sentence"),
        ("EDITOR’S NOTE: This article is a translation.", "boilerplate"),
    ]:
        s, e = _at(piece)
        segs.append(Segment(start=s, end=e, text=t[s:e], kind=kind, paragraph=len(segs)))
    s1, e1 = _at("$ 30")
    s2, e2 = _at("An interested discussion")
    s3, e3 = _at("160 thousand")
    s4, e4 = _at("It was adopted joint statement")
    findings = [
        Finding("NUM001", Category.LOCALE, Severity.MINOR, s1, e1,
                "No space between a currency symbol and the amount.", ("$30",), Origin.RULE, True, 0.95),
        Finding("CAL001", Category.CALQUE, Severity.MAJOR, s2, e2,
                "Calque from Russian: “interested discussion”.",
                ("A lively discussion", "A substantive discussion"), Origin.RULE, False, 0.6),
        Finding("NUM003", Category.LOCALE, Severity.MINOR, s3, e3,
                "Write the number in figures.", ("160,000",), Origin.RULE, True, 0.9),
        Finding("LT:EN_A_VS_AN", Category.GRAMMAR, Severity.MAJOR, s4 + 3, s4 + 6,
                "Possible <agreement> error & more", ("is",), Origin.LANGUAGETOOL, False, 0.5),
        Finding("PAS001", Category.GRAMMAR, Severity.MAJOR, s4, e4,
                "Inverted passive: put the subject first.", ("A joint statement was adopted",),
                Origin.RULE, False, 0.6),
    ]
    num001, cal001, num003, lt, pas001 = (f.id for f in findings)
    edits = [
        Edit(s1, e1, "$30", Origin.RULE, "NUM001", 0.95, True, True, None, num001),
        Edit(s2, e2, "A lively discussion", Origin.RULE, "CAL001", 0.6, False, False, "unsafe", cal001),
        Edit(s3, e3, "160,000", Origin.RULE, "NUM003", 0.9, True, True, None, num003),
        Edit(s4, e4, "A joint statement was adopted", Origin.RULE, "PAS001", 0.6, False, False, "overlap", pas001),
        Edit(s4 + 3, s4 + 6, "is", Origin.LANGUAGETOOL, "LT:EN_A_VS_AN", 0.5, False, False,
             "guard:negation", lt),
    ]
    sentences = [
        SentenceResult(segs[1], 96.0, 6, 1.0),
        SentenceResult(segs[2], 50.0, 5, 5.0),
        SentenceResult(segs[3], 90.0, 4, 1.0),
        SentenceResult(segs[4], 40.0, 9, 10.0),
    ]
    return Report(
        path=path, text=t, segments=segs, findings=findings, edits=edits, sentences=sentences,
        score=68.0, words=24, penalty=17.0,
        signature={"mtqa": "0.1.0", "rules": "abc123def456", "languagetool": "6.8", "model": None},
    )


def empty_report(path: str = "examples/empty.txt") -> Report:
    return Report(path=path, text="", segments=[], findings=[], edits=[], sentences=[],
                  score=100.0, words=0, penalty=0.0, signature={"mtqa": "0.1.0"})
