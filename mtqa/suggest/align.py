"""Model output vs input -> minimal word-level edits, errant style (align, merge,
classify), with character offsets into the original sentence.

Tokens are words, numbers and single punctuation marks.  Alignment is difflib's
longest-matching-blocks over exact tokens; a replacement block of equal length on both
sides is split into one edit per changed token (so "the big" -> "a big" stays one DET
edit and two separate fixes do not travel together), except when it is a reordering.
Each edit gets an errant-style type from word lists (``classify``): ``M:`` missing
(insertion), ``U:`` unnecessary (deletion), ``R:`` replacement, then DET, PREP, PRON, CONJ,
VERB:TENSE, VERB:FORM, VERB:SVA, NOUN:NUM, ORTH, PUNCT, SPELL, WO or OTHER.  The post-editor's
suggestions are then typed by errant itself (``errant_typed``): on real MT -> post-edit
pairs the word lists agreed with errant's type for under a third of its edits
(benchmarks/align_vs_errant.py).  The spans stay this module's: character offsets that
keep the original's spacing, which errant's tokens do not give.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from mtqa.english.lexicon import AUXILIARIES, CONJUNCTIONS, DETERMINERS, PREPOSITIONS, PRONOUNS

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)
# The word classes (mtqa.english.lexicon) that name an edit's type.
_CLASSES = (("DET", DETERMINERS), ("PREP", PREPOSITIONS), ("PRON", PRONOUNS), ("CONJ", CONJUNCTIONS))


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class AlignedEdit:
    """One edit: replace sentence[start:end] with ``replacement``.  ``src``/``hyp`` are the
    tokens involved on each side; ``type`` is errant-style, e.g. "M:DET"."""

    start: int
    end: int
    replacement: str
    src: tuple[str, ...]
    hyp: tuple[str, ...]
    type: str

    @property
    def op(self) -> str:
        return self.type.split(":", 1)[0]


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _is_punct(tok: str) -> bool:
    return not any(c.isalnum() for c in tok)


def _stem(w: str) -> str:
    w = w.lower()
    for suf in ("ies", "es", "s", "ed", "ing", "d"):
        if w.endswith(suf) and len(w) - len(suf) >= 2:
            return w[: -len(suf)]
    return w


def _word_class(words: tuple[str, ...], cls: frozenset) -> bool:
    return bool(words) and all(w.lower() in cls for w in words)


def classify(src: tuple[str, ...], hyp: tuple[str, ...]) -> str:
    """errant-style type of the edit src -> hyp (token tuples, one side may be empty)."""
    op = "M" if not src else "U" if not hyp else "R"
    both = src + hyp
    if all(_is_punct(t) for t in both):
        return f"{op}:PUNCT"
    if op == "R":
        if " ".join(src).lower() == " ".join(hyp).lower():
            return "R:ORTH"
        if len(src) > 1 and sorted(w.lower() for w in src) == sorted(w.lower() for w in hyp):
            return "R:WO"
    words = tuple(t for t in both if not _is_punct(t))
    for name, cls in _CLASSES:
        if _word_class(words, cls):
            return f"{op}:{name}"
    low = [w.lower() for w in words]
    if any(w in AUXILIARIES for w in low) or (
        op == "R" and len(src) == len(hyp) == 1 and _verbish_tense(src[0], hyp[0])
    ):
        return f"{op}:VERB:TENSE"
    if op == "R" and len(src) == len(hyp) == 1:
        a, b = src[0].lower(), hyp[0].lower()
        if _plural(a, b) or _plural(b, a):
            return "R:NOUN:NUM"
        if _stem(a) == _stem(b):
            if {a[-3:], b[-3:]} & {"ing"} or a.endswith("ed") != b.endswith("ed"):
                return "R:VERB:FORM"
            return "R:NOUN:NUM"
        if difflib.SequenceMatcher(None, a, b).ratio() >= 0.8:
            return "R:SPELL"
    if low == ["to"] or (op == "R" and "to" in low):
        return f"{op}:VERB:FORM"
    return f"{op}:OTHER"


def _plural(a: str, b: str) -> bool:
    return b in (a + "s", a + "es") or (a.endswith("y") and b == a[:-1] + "ies")


def _verbish_tense(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return (a.endswith("ed") != b.endswith("ed")) and _stem(a) == _stem(b)


def _span(src_text: str, src: list[Token], hyp_text: str, hyp: list[Token],
          i1: int, i2: int, j1: int, j2: int) -> tuple[int, int, str]:
    """Character span in src_text and its replacement from hyp_text.  A replacement
    covers its tokens only; an insertion or deletion covers the whitespace gap around it,
    so that "of company" -> "of the company" is " " -> " the " and spacing stays right."""
    if i1 < i2 and j1 < j2:
        return src[i1].start, src[i2 - 1].end, hyp_text[hyp[j1].start:hyp[j2 - 1].end]
    s = src[i1 - 1].end if i1 > 0 else 0
    e = src[i2].start if i2 < len(src) else len(src_text)
    hs = hyp[j1 - 1].end if j1 > 0 else 0
    he = hyp[j2].start if j2 < len(hyp) else len(hyp_text)
    rep = hyp_text[hs:he]
    if i1 == 0 and i2 < len(src):  # sentence-initial: no leading gap to keep
        rep = rep.lstrip()
    if i2 == len(src) and i1 > 0:
        rep = rep.rstrip()
    return s, e, rep


def align(src_text: str, hyp_text: str) -> list[AlignedEdit]:
    """Minimal word-level edits turning ``src_text`` into ``hyp_text``.  Between matched
    tokens only a gap that appears or disappears ("$ 30" vs "$30") is an edit; other
    whitespace differences are ignored."""
    src, hyp = tokenize(src_text), tokenize(hyp_text)
    a, b = [t.text for t in src], [t.text for t in hyp]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[AlignedEdit] = []
    for tag, i1, i2, j1, j2 in _merge_moves(sm.get_opcodes(), a, b):
        if tag == "equal":
            out.extend(_spacing(src_text, src, hyp_text, hyp, i1, i2, j1))
            continue
        pieces = [(i1, i2, j1, j2)]
        if (tag == "replace" and i2 - i1 == j2 - j1 > 1
                and sorted(x.lower() for x in a[i1:i2]) != sorted(x.lower() for x in b[j1:j2])):
            pieces = [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)
                      if a[i1 + k] != b[j1 + k]]
        for p1, p2, q1, q2 in pieces:
            s, e, rep = _span(src_text, src, hyp_text, hyp, p1, p2, q1, q2)
            out.append(AlignedEdit(s, e, rep, tuple(a[p1:p2]), tuple(b[q1:q2]),
                                   classify(tuple(a[p1:p2]), tuple(b[q1:q2]))))
    return out


def _merge_moves(ops, a: list[str], b: list[str], max_len: int = 8):
    """errant's word-order merge: a deletion and an insertion around a matched stretch
    that hold the same words ("very good was the weather" -> "the weather was very
    good") become one replacement, classified WO."""
    ops = list(ops)
    out = []
    k = 0
    while k < len(ops):
        if (k + 2 < len(ops) and ops[k][0] != "equal" and ops[k + 1][0] == "equal"
                and ops[k + 2][0] != "equal"):
            i1, j1, i2, j2 = ops[k][1], ops[k][3], ops[k + 2][2], ops[k + 2][4]
            src, hyp = a[i1:i2], b[j1:j2]
            if len(src) <= max_len and sorted(x.lower() for x in src) == sorted(x.lower() for x in hyp):
                out.append(("replace", i1, i2, j1, j2))
                k += 3
                continue
        out.append(ops[k])
        k += 1
    return out


def _spacing(src_text: str, src: list[Token], hyp_text: str, hyp: list[Token],
             i1: int, i2: int, j1: int) -> list[AlignedEdit]:
    """Gaps between matched tokens that are empty on one side only ("$ 30" vs "$30")."""
    out = []
    for k in range(i1, i2 - 1):
        sg = src_text[src[k].end:src[k + 1].start]
        hg = hyp_text[hyp[j1 + k - i1].end:hyp[j1 + k - i1 + 1].start]
        if bool(sg) != bool(hg):
            pair = (src[k].text, src[k + 1].text)
            kind = "PUNCT" if any(_is_punct(t) for t in pair) else "ORTH"
            out.append(AlignedEdit(src[k].end, src[k + 1].start, hg, pair, pair, f"R:{kind}"))
    return out


def errant_typed(sentence: str, edits: list[AlignedEdit]) -> list[AlignedEdit]:
    """The edits with errant's types: each edit applied alone to ``sentence`` and annotated
    by errant (POS tags and lemmas: R:NOUN, R:VERB, M:DET ...).  An edit errant sees no
    token change in (a spacing fix) keeps its own type; where errant splits one edit in
    two, the first part names it."""
    if not edits:
        return []
    import dataclasses

    from mtqa.models.nlp import get_errant

    ann = get_errant()
    orig = ann.parse(sentence, tokenise=True)
    out = []
    for e in edits:
        found = ann.annotate(orig, ann.parse(apply(sentence, [e]), tokenise=True))
        typed = next((x.type for x in found if x.type != "UNK"), None)
        out.append(dataclasses.replace(e, type=typed) if typed else e)
    return out


def apply(text: str, edits: list[AlignedEdit]) -> str:
    """Apply non-overlapping aligned edits to the sentence they were computed on."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
