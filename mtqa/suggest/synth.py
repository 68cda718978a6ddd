"""The interference error generator: fluency errors of the kind Russian->English MT makes,
learned from real MT -> post-edit pairs and injected into clean English.  It makes the
post-editor's training data (``scripts/make_ape_data.py``) and the held-out synthetic
benchmark (``benchmarks/ape_synthetic.py``), so both share one definition of an error.

Learning (``ErrorModel.learn``): errant aligns each MT sentence with its post-edit and
types every edit (``M:DET`` missing determiner, ``R:PREP`` wrong preposition,
``R:VERB:TENSE`` ...).  Only the *fluency* types are kept - those an English reader can
fix without the source (``FLUENCY_TYPES``); meaning edits (R:NOUN, R:VERB, R:OTHER, ...)
are left out.  Kept: how often each type occurs, which words it involves and which word
replaced which (in the direction correct -> error), and how many such errors an MT
sentence carries.

Injection (``Corruptor.corrupt``): parse the clean sentence with spaCy, draw the number of
errors, then for each a type (by learned frequency, among the types the sentence allows)
and a site, and apply the inverse of the post-edit: delete the article the post-editor
had to add, replace the preposition by one the MT used for it, put the past tense verb
into the present, ... .  Also the patterns mtqa's rules document: the inverted passive
("it was adopted joint statement") and the present for the past in a report.  Numbers,
names, quotes and negation are never touched, so the clean sentence is always recoverable
from the English alone.
"""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from mtqa.english.lexicon import NEGATIONS

# errant types an English-only post-editor can fix.  The rest (R:NOUN, R:VERB, R:ADJ,
# R:OTHER, M:NOUN, ...) change what is said and need the source.
FLUENCY_TYPES = frozenset("""
M:DET U:DET R:DET M:PREP U:PREP R:PREP R:VERB:TENSE M:VERB:TENSE U:VERB:TENSE R:VERB:SVA
R:VERB:FORM M:VERB:FORM U:VERB:FORM R:VERB:INFL R:NOUN:NUM R:NOUN:INFL R:ADJ:FORM R:WO
R:PART M:PART U:PART M:PRON
""".split())

# The types the generator can inject (the learned frequency decides how often), plus the
# rule-documented patterns.
INJECTABLE = ("M:DET", "U:DET", "R:DET", "M:PREP", "U:PREP", "R:PREP", "R:VERB:TENSE",
              "M:VERB:TENSE", "R:VERB:SVA", "R:VERB:FORM", "R:NOUN:NUM", "R:WO", "M:PRON")
PATTERNS = {"PAS": 0.06, "TENSE:PRESENT": 0.04}  # share of corrupted sentences

_ARTICLES = ("the", "a", "an")
_DETS = frozenset("the a an this that these those some".split())
_PREPS = frozenset("in on at of for to with by from about into over under after before "
                   "during between among against through within without towards upon".split())
_BE = {"was": "is", "were": "are", "is": "was", "are": "were", "has": "had", "have": "had",
       "had": "has"}
_SVA = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has",
        "does": "do", "do": "does"}
_WO_ADVERBS = frozenset("also already still only often always never just even now again "
                        "usually recently currently".split())


@dataclass
class ErrorModel:
    """Learned error statistics.  ``types``: count per errant type; ``words``: per type,
    the words involved (for M: the word the post-editor inserted - the generator deletes
    it; for U: the word it deleted - the generator inserts it); ``confusions``: per R:
    type, correct word -> {MT word: count}; ``per_sentence``: count of sentences with
    k = 1, 2, ... fluency errors; ``sentences``/``changed``: how many MT sentences were
    read, and how many had at least one fluency error."""

    types: dict[str, int] = field(default_factory=dict)
    words: dict[str, dict[str, int]] = field(default_factory=dict)
    confusions: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    per_sentence: dict[int, int] = field(default_factory=dict)
    sentences: int = 0
    changed: int = 0
    source: str = ""

    @classmethod
    def learn(cls, pairs: Iterable[tuple[str, str]], annotator, source: str = "") -> "ErrorModel":
        types: Counter = Counter()
        words: dict[str, Counter] = defaultdict(Counter)
        conf: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        per: Counter = Counter()
        n = changed = 0
        for mt, pe in pairs:
            n += 1
            k = 0
            for e in fluency_edits(annotator, mt, pe):
                k += 1
                types[e.type] += 1
                o, c = e.o_str.lower(), e.c_str.lower()
                if e.type.startswith("M:"):
                    words[e.type][c] += 1
                elif e.type.startswith("U:"):
                    words[e.type][o] += 1
                else:
                    conf[e.type][c][o] += 1
            if k:
                changed += 1
                per[min(k, 5)] += 1
        return cls(types=dict(types), words={t: dict(c) for t, c in words.items()},
                   confusions={t: {w: dict(c) for w, c in d.items()} for t, d in conf.items()},
                   per_sentence=dict(per), sentences=n, changed=changed, source=source)

    def save(self, path: Path) -> None:
        data = {"source": self.source, "sentences": self.sentences, "changed": self.changed,
                "per_sentence": {str(k): v for k, v in sorted(self.per_sentence.items())},
                "types": dict(sorted(self.types.items(), key=lambda kv: -kv[1])),
                "words": {t: dict(sorted(w.items(), key=lambda kv: -kv[1])) for t, w in sorted(self.words.items())},
                "confusions": {t: {w: dict(sorted(c.items(), key=lambda kv: -kv[1]))
                                   for w, c in sorted(d.items())} for t, d in sorted(self.confusions.items())}}
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = None) -> "ErrorModel":
        path = Path(path) if path else DEFAULT_MODEL
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(types=d["types"], words=d["words"], confusions=d["confusions"],
                   per_sentence={int(k): v for k, v in d["per_sentence"].items()},
                   sentences=d["sentences"], changed=d["changed"], source=d.get("source", ""))


DEFAULT_MODEL = Path(__file__).with_name("data") / "interference.json"


def load_annotator():
    """errant with mtqa's spaCy model (mtqa.models.nlp.get_errant)."""
    from mtqa.models.nlp import get_errant

    return get_errant()


def fluency_edits(annotator, orig: str, cor: str) -> list:
    """errant edits orig -> cor of the fluency types."""
    if orig == cor:
        return []
    edits = annotator.annotate(annotator.parse(orig, tokenise=True), annotator.parse(cor, tokenise=True))
    return [e for e in edits if is_fluency_edit(e)]


def is_fluency_edit(e) -> bool:
    """Whether an errant edit is a fluency fix the English alone reveals (FLUENCY_TYPES, with
    the exceptions below), not a meaning edit."""
    if e.type not in FLUENCY_TYPES:
        return False
    if e.type == "R:WO":  # a moved quote or comma ('," -> ",'), a reordered date: house style
        return all(ch.isalpha() or ch.isspace() for ch in e.o_str)
    if e.type == "M:PRON":  # only the dummy subject; another pronoun changes who is meant
        return e.c_str.lower() == "it"
    if e.type.endswith(":DET"):  # "my" -> "the" changes whose it is
        return all(w.lower() in _DETS for w in (e.o_str + " " + e.c_str).split())
    if e.type.endswith(":PREP"):  # errant counts "if" as a preposition
        return not {"if", "whether"} & {w.lower() for w in (e.o_str + " " + e.c_str).split()}
    return True


def apply_fluency_edits(annotator, mt: str, pe: str) -> Optional[str]:
    """The MT with only the post-editor's fluency edits applied (meaning edits dropped), as
    text: errant's token edits mapped back onto the MT's characters.  None when a fluency
    edit lies within two tokens of a meaning edit: it was part of the rewrite ("we'll be
    ourselves" -> "we'll be ..."), and applying it alone would break the sentence."""
    if mt == pe:
        return mt
    o = annotator.parse(mt, tokenise=True)
    c = annotator.parse(pe, tokenise=True)
    edits = annotator.annotate(o, c)
    keep = [e for e in edits if is_fluency_edit(e)]
    other = [e for e in edits if not is_fluency_edit(e)]
    for e in keep:
        if any(x.o_start - 2 <= e.o_end and e.o_start <= x.o_end + 2 for x in other):
            return None
    return " ".join(apply_errant_edits(o, mt, keep).split())


def edit_span(o, mt: str, e) -> tuple[int, int]:
    """The character span in ``mt`` (parsed as ``o``) of errant edit ``e``; an insertion
    is the empty span before token ``o_start``."""
    if e.o_start < e.o_end:
        return o[e.o_start].idx, o[e.o_end - 1].idx + len(o[e.o_end - 1].text)
    at = o[e.o_start].idx if e.o_start < len(o) else len(mt)
    return at, at


def apply_errant_edits(o, mt: str, edits) -> str:
    """``mt`` (parsed as ``o``) with errant ``edits`` (in order) applied to its characters:
    an insertion brings its own space, a deletion takes the following one."""
    out, pos = [], 0
    for e in edits:
        s, t = edit_span(o, mt, e)
        rep = e.c_str
        if e.o_start == e.o_end:
            rep = rep + " " if s < len(mt) else " " + rep
        elif not rep:  # deletion: take the following space too
            while t < len(mt) and mt[t] == " ":
                t += 1
        out.append(mt[pos:s])
        out.append(rep)
        pos = t
    out.append(mt[pos:])
    return "".join(out)


# -- injection ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Injected:
    type: str
    before: str  # the clean words
    after: str  # what the error put there


class Corruptor:
    """Injects learned errors into clean sentences.  Deterministic for a given seed."""

    def __init__(self, model: Optional[ErrorModel] = None, nlp=None, seed: int = 13,
                 max_errors: int = 3):
        from mtqa.models.nlp import get_nlp

        self.model = model or ErrorModel.load()
        self.nlp = nlp or get_nlp()
        self.rng = random.Random(seed)
        self.max_errors = max_errors
        per = self.model.per_sentence
        self._k = [k for k in sorted(per) if k <= max_errors]
        self._kw = [per[k] for k in self._k]
        total = sum(self.model.types.get(t, 0) for t in INJECTABLE)
        self.type_weights = {t: self.model.types.get(t, 0) / total for t in INJECTABLE}

    # the words a type involves, weighted
    def _pick_word(self, t: str, default: Sequence[str]) -> str:
        w = self.model.words.get(t, {})
        cand = [(x, c) for x, c in w.items() if x in default] or [(x, 1) for x in default]
        return self.rng.choices([x for x, _ in cand], [c for _, c in cand])[0]

    def _confuse(self, t: str, word: str, pool: Sequence[str]) -> Optional[str]:
        """An MT word for the correct ``word``: from the learned confusions of ``t`` when it
        has some (smoothed by the type's overall MT-word distribution), else from pool."""
        table = self.model.confusions.get(t, {})
        row = {k: v for k, v in table.get(word.lower(), {}).items() if k in pool and k != word.lower()}
        if not row:
            agg: Counter = Counter()
            for r in table.values():
                agg.update({k: v for k, v in r.items() if k in pool and k != word.lower()})
            row = dict(agg)
        if not row:
            return None
        return self.rng.choices(list(row), list(row.values()))[0]

    def corrupt(self, sentence: str, doc=None) -> tuple[str, list[Injected]]:
        """(corrupted sentence, what was injected); the sentence itself when nothing fits."""
        doc = doc if doc is not None else self.nlp(sentence)
        toks = [_Tok(t.text, t.whitespace_, t) for t in doc]
        done: list[Injected] = []
        r = self.rng.random()
        if r < PATTERNS["PAS"]:
            inj = _inverted_passive(toks)
            if inj:
                done.append(inj)
        elif r < PATTERNS["PAS"] + PATTERNS["TENSE:PRESENT"]:
            done += _present_for_past(toks, self)
        k = self.rng.choices(self._k, self._kw)[0] if not done else 0
        tried = 0
        while len(done) < k and tried < 12:
            tried += 1
            t = self.rng.choices(list(self.type_weights), list(self.type_weights.values()))[0]
            inj = _OPS[t](toks, self)
            if inj is not None:
                done.append(inj)
        return _detok(toks), done


def corrupt_many(sentences: Sequence[str], seed: int, limit: int = 0) -> list[tuple[str, str, tuple[str, ...]]]:
    """(clean, corrupted, injected types) for the sentences where an error could be
    injected, in order, at most ``limit`` (0: all)."""
    corr = Corruptor(seed=seed)
    out = []
    for doc, s in zip(corr.nlp.pipe(list(sentences), batch_size=256), sentences):
        bad, inj = corr.corrupt(s, doc)
        if inj and bad != s:
            out.append((s, bad, tuple(i.type for i in inj)))
            if limit and len(out) >= limit:
                break
    return out


@dataclass
class _Tok:
    text: str
    ws: str
    tok: object = None  # the spaCy token it came from (None: inserted)
    touched: bool = False


def _free(toks, i) -> bool:
    """A token no earlier error touched, with untouched neighbours (errors do not pile up)."""
    return all(not toks[j].touched for j in range(max(0, i - 1), min(len(toks), i + 2)))


def _protected(t: _Tok) -> bool:
    s = t.tok
    return s is None or s.like_num or s.lower_ in NEGATIONS or s.ent_type_ in ("PERSON", "ORG", "GPE", "DATE", "MONEY")


def _sites(toks, pred) -> list[int]:
    return [i for i, t in enumerate(toks) if t.tok is not None and _free(toks, i) and pred(t.tok)]


def _case_like(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _delete(toks, i: int) -> None:
    t = toks.pop(i)
    if i == 0 and toks:  # the next word starts the sentence now
        toks[0].text = _case_like(toks[0].text, t.text) if toks[0].tok is None or toks[0].tok.pos_ != "PROPN" else toks[0].text
        toks[0].touched = True
    elif i > 0 and not t.ws:
        toks[i - 1].ws = ""
    if i < len(toks):
        toks[i].touched = True
    if i > 0:
        toks[i - 1].touched = True


def _insert(toks, i: int, word: str) -> None:
    if i == 0:
        first = toks[0]
        word = _case_like(word, first.text)
        if first.tok is not None and first.tok.pos_ != "PROPN" and first.text[:1].isupper():
            first.text = first.text[:1].lower() + first.text[1:]
    toks.insert(i, _Tok(word, " ", None, True))
    toks[i + 1].touched = True


def _a_or_an(next_word: str) -> str:
    return "an" if next_word[:1].lower() in "aeiou" else "a"


def _op_m_det(toks, c: Corruptor):
    sites = _sites(toks, lambda s: s.lower_ in _ARTICLES and s.dep_ == "det")
    if not sites:
        return None
    i = c.rng.choice(sites)
    w = toks[i].text
    _delete(toks, i)
    return Injected("M:DET", w, "")


def _op_u_det(toks, c: Corruptor):
    # a noun phrase with no determiner: a bare plural or mass noun (not a name)
    def ok(s):
        if s.pos_ not in ("NOUN", "ADJ") or s.i > 0 and s.doc[s.i - 1].pos_ in ("DET", "PRON", "NUM", "PROPN", "ADJ", "NOUN"):
            return False
        head = s if s.pos_ == "NOUN" else s.head
        return head.pos_ == "NOUN" and not any(ch.dep_ in ("det", "poss", "nummod") for ch in head.children) \
            and head.i >= s.i
    sites = [i for i in _sites(toks, ok) if not _protected(toks[i])]
    if not sites:
        return None
    i = c.rng.choice(sites)
    w = c._pick_word("U:DET", ("the", "a"))
    if w == "a":
        w = _a_or_an(toks[i].text)
    _insert(toks, i, w)
    return Injected("U:DET", "", w)


def _op_r_det(toks, c: Corruptor):
    sites = _sites(toks, lambda s: s.lower_ in _ARTICLES and s.dep_ == "det")
    if not sites:
        return None
    i = c.rng.choice(sites)
    old = toks[i].text
    new = c._confuse("R:DET", "a" if old.lower() == "an" else old.lower(), ("the", "a", "this", "that", "its"))
    if new is None:
        return None
    if new == "a" and i + 1 < len(toks):
        new = _a_or_an(toks[i + 1].text)
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:DET", old, toks[i].text)


def _op_m_prep(toks, c: Corruptor):
    sites = _sites(toks, lambda s: s.lower_ in ("of", "for", "on", "in", "to", "at", "with") and s.dep_ == "prep"
                   and s.i > 0)
    if not sites:
        return None
    i = c.rng.choice(sites)
    w = toks[i].text
    _delete(toks, i)
    return Injected("M:PREP", w, "")


def _op_u_prep(toks, c: Corruptor):
    # before a verb's direct object: "discussed the issue" -> "discussed about the issue"
    def ok(s):
        return s.dep_ == "dobj" and s.head.pos_ == "VERB"
    sites = []
    for i in _sites(toks, ok):
        s = toks[i].tok
        start = min(x.i for x in s.subtree)
        j = next((k for k, t in enumerate(toks) if t.tok is not None and t.tok.i == start), None)
        if j is not None and j > 0 and _free(toks, j) and toks[j - 1].tok is not None and toks[j - 1].tok.i == s.head.i:
            sites.append(j)
    if not sites:
        return None
    j = c.rng.choice(sites)
    w = c._pick_word("U:PREP", ("in", "on", "of", "for", "to", "from", "about", "with", "at"))
    _insert(toks, j, w)
    return Injected("U:PREP", "", w)


def _op_r_prep(toks, c: Corruptor):
    sites = _sites(toks, lambda s: s.lower_ in _PREPS and s.pos_ == "ADP" and s.dep_ in ("prep", "agent", "dative"))
    if not sites:
        return None
    i = c.rng.choice(sites)
    old = toks[i].text
    new = c._confuse("R:PREP", old.lower(), tuple(_PREPS))
    if new is None:
        return None
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:PREP", old, toks[i].text)


def _inflect(s, tag: str) -> Optional[str]:
    """The ``tag`` form (Penn tag) of spaCy token ``s``'s word (lemminflect: its lemmas
    are better than the small spaCy model's, which makes "hates" a form of "hat")."""
    from lemminflect import getInflection, getLemma

    upos = "VERB" if s.pos_ in ("VERB", "AUX") else s.pos_
    lemmas = getLemma(s.lower_, upos=upos) if upos in ("VERB", "NOUN", "ADJ") else ()
    forms = getInflection(lemmas[0] if lemmas else s.lemma_, tag=tag)
    return forms[0] if forms else None


_PAST_WORDS = frozenset("ago yesterday last earlier previously".split())


def _past_anchor(doc, site: int) -> bool:
    """Whether the sentence shows it is about the past without the verb at ``site``: another
    past-tense verb, a year, or "ago"/"yesterday"/"last ..." - so that a present tense put
    there is an error the English reveals, not another correct reading."""
    for t in doc:
        if t.i == site:
            continue
        if t.tag_ == "VBD" and t.i != site:
            return True
        if t.lower_ in _PAST_WORDS or (t.ent_type_ == "DATE" and t.like_num and len(t.text) == 4):
            return True
    return False


def _subject_plural(s) -> bool:
    subj = [ch for ch in s.children if ch.dep_ in ("nsubj", "nsubjpass", "expl")]
    if not subj and s.dep_ in ("aux", "auxpass"):
        subj = [ch for ch in s.head.children if ch.dep_ in ("nsubj", "nsubjpass", "expl")]
    if not subj:
        return False
    w = subj[0]
    return w.tag_ in ("NNS", "NNPS") or w.lower_ in ("we", "they", "you", "i") or \
        any(ch.dep_ == "conj" for ch in w.children)


def _present(s) -> Optional[str]:
    low = s.lower_
    if low in ("was", "were"):
        return "are" if low == "were" or _subject_plural(s) else "is"
    if low == "had":
        return "have" if _subject_plural(s) else "has"
    if s.tag_ != "VBD":
        return None
    return _inflect(s, "VBP" if _subject_plural(s) else "VBZ")


def _op_r_tense(toks, c: Corruptor):
    # the past put in the present (MT's commonest slip) where the sentence shows the past
    def ok(s):
        return (s.tag_ == "VBD" or s.lower_ in ("was", "were", "had")) and "'" not in s.text \
            and _past_anchor(s.doc, s.i)
    sites = _sites(toks, ok)
    if not sites:
        return None
    i = c.rng.choice(sites)
    s = toks[i].tok
    old = toks[i].text
    learned = c._confuse("R:VERB:TENSE", old.lower(), ("is", "are", "has", "have"))
    new = learned if old.lower() in _BE and learned is not None and c.rng.random() < 0.3 else _present(s)
    if not new or new.lower() == old.lower():
        return None
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:VERB:TENSE", old, toks[i].text)


def _op_m_tense(toks, c: Corruptor):
    # an auxiliary the post-editor had to add: "the statement was adopted" -> "the statement
    # adopted"; "has" only where the participle is not also the past ("has taken" -> "taken")
    def ok(s):
        if not (s.dep_ in ("aux", "auxpass") and s.i + 1 < len(s.doc) and s.doc[s.i + 1].i == s.head.i):
            return False
        if s.lower_ in ("was", "were", "is", "are") and s.head.tag_ in ("VBN", "VBG"):
            return True
        return s.lower_ in ("has", "have", "had") and s.head.tag_ == "VBN" and \
            _inflect(s.head, "VBD") not in (None, s.head.lower_)
    sites = _sites(toks, ok)
    if not sites:
        return None
    i = c.rng.choice(sites)
    w = toks[i].text
    _delete(toks, i)
    return Injected("M:VERB:TENSE", w, "")


def _op_sva(toks, c: Corruptor):
    def ok(s):
        return "'" not in s.text and (s.lower_ in _SVA or s.tag_ in ("VBZ", "VBP") and s.dep_ in ("ROOT", "conj", "ccomp", "relcl")) \
            and s.lower_ not in ("i", "am")
    sites = _sites(toks, ok)
    if not sites:
        return None
    i = c.rng.choice(sites)
    s = toks[i].tok
    old = toks[i].text
    new = _SVA.get(s.lower_) or _inflect(s, "VBP" if s.tag_ == "VBZ" else "VBZ")
    if not new or new.lower() == old.lower():
        return None
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:VERB:SVA", old, toks[i].text)


def _op_form(toks, c: Corruptor):
    # "by visiting" -> "by visit"; "to develop" -> "to developing"; "has signed" -> "has sign"
    def ok(s):
        return (s.tag_ == "VBG" and s.i > 0 and s.doc[s.i - 1].pos_ == "ADP") or \
               (s.tag_ == "VB" and s.i > 0 and s.doc[s.i - 1].lower_ == "to") or \
               (s.tag_ == "VBN" and s.i > 0 and s.doc[s.i - 1].lower_ in ("has", "have", "had"))
    sites = _sites(toks, ok)
    if not sites:
        return None
    i = c.rng.choice(sites)
    s = toks[i].tok
    new = _inflect(s, "VB" if s.tag_ in ("VBG", "VBN") else "VBG")
    if not new or new.lower() == s.lower_:
        return None
    old = toks[i].text
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:VERB:FORM", old, toks[i].text)


def _op_num(toks, c: Corruptor):
    def ok(s):
        return s.tag_ in ("NN", "NNS") and s.pos_ == "NOUN" and not any(ch.dep_ == "nummod" for ch in s.children) \
            and not (s.i > 0 and s.doc[s.i - 1].lower_ in ("a", "an", "one"))
    sites = [i for i in _sites(toks, ok) if not _protected(toks[i])]
    if not sites:
        return None
    i = c.rng.choice(sites)
    s = toks[i].tok
    new = _inflect(s, "NNS" if s.tag_ == "NN" else "NN")
    if not new or new.lower() == s.lower_:
        return None
    old = toks[i].text
    toks[i].text, toks[i].touched = _case_like(new, old), True
    return Injected("R:NOUN:NUM", old, toks[i].text)


def _op_wo(toks, c: Corruptor):
    # an adverb moved before its auxiliary: "has also said" -> "also has said"
    sites = _sites(toks, lambda s: s.lower_ in _WO_ADVERBS and s.dep_ == "advmod")
    sites = [i for i in sites if i > 0 and toks[i - 1].tok is not None and toks[i - 1].tok.pos_ == "AUX"
             and _free(toks, i - 1) and i - 1 > 0]
    if not sites:
        return None
    i = c.rng.choice(sites)
    a, b = toks[i - 1], toks[i]
    toks[i - 1], toks[i] = _Tok(b.text, a.ws, b.tok, True), _Tok(a.text, b.ws, a.tok, True)
    return Injected("R:WO", f"{a.text} {b.text}", f"{b.text} {a.text}")


def _op_m_pron(toks, c: Corruptor):
    # the dummy subject MT drops: "it is expected that" -> "is expected that"
    sites = _sites(toks, lambda s: s.lower_ == "it" and s.dep_ in ("nsubj", "nsubjpass", "expl")
                   and s.i + 1 < len(s.doc) and s.doc[s.i + 1].pos_ == "AUX" and s.i > 0)
    if not sites:
        return None
    i = c.rng.choice(sites)
    w = toks[i].text
    _delete(toks, i)
    return Injected("M:PRON", w, "")


_OPS = {"M:DET": _op_m_det, "U:DET": _op_u_det, "R:DET": _op_r_det, "M:PREP": _op_m_prep,
        "U:PREP": _op_u_prep, "R:PREP": _op_r_prep, "R:VERB:TENSE": _op_r_tense,
        "M:VERB:TENSE": _op_m_tense, "R:VERB:SVA": _op_sva, "R:VERB:FORM": _op_form,
        "R:NOUN:NUM": _op_num, "R:WO": _op_wo, "M:PRON": _op_m_pron}


def _present_for_past(toks, c: Corruptor) -> list[Injected]:
    """Every past-tense verb of the sentence in the present ("The problems were considered"
    -> "The problems are considered"), as MT does in a report."""
    out = []
    for i, t in enumerate(toks):
        s = t.tok
        if s is None or t.touched or not (s.tag_ == "VBD" or s.lower_ in ("was", "were")) or "'" in s.text:
            continue
        if not any(x.lower_ in _PAST_WORDS or x.ent_type_ == "DATE" for x in s.doc):
            return out  # a report's past shows in a date: "On October 15 ... are considered"
        new = _present(s)
        if new and new.lower() != s.lower_:
            out.append(Injected("R:VERB:TENSE", t.text, _case_like(new, t.text)))
            t.text, t.touched = _case_like(new, t.text), True
    return out


def _inverted_passive(toks) -> Optional[Injected]:
    """"A joint statement was adopted on X." -> "It was adopted joint statement on X." (the
    subject's article dropped, as in Russian word order)."""
    for i, t in enumerate(toks):
        s = t.tok
        if s is None or s.tag_ != "VBN" or s.dep_ != "ROOT":
            continue
        subj = [ch for ch in s.children if ch.dep_ == "nsubjpass" and ch.pos_ == "NOUN"]
        aux = [ch for ch in s.children if ch.dep_ == "auxpass"]
        if not subj or len(aux) != 1 or any(ch.dep_ == "aux" for ch in s.children):
            continue
        span = sorted(x.i for x in subj[0].subtree)
        a = aux[0]
        if span[-1] + 1 != a.i or a.i + 1 != s.i or span != list(range(span[0], span[-1] + 1)) or span[-1] - span[0] > 5:
            continue
        words = [x for x in subj[0].doc[span[0]:span[-1] + 1]]
        if any(x.like_num or x.pos_ == "PROPN" or x.lower_ in NEGATIONS for x in words):
            continue
        if words[0].lower_ in _ARTICLES:
            words = words[1:]
        if not words:
            continue
        idx = {tt.tok.i: k for k, tt in enumerate(toks) if tt.tok is not None}
        k0, ka, kv = idx.get(span[0]), idx.get(a.i), idx.get(s.i)
        if None in (k0, ka, kv) or any(toks[k].touched for k in range(k0, kv + 1)):
            return None
        initial = k0 == 0
        before = " ".join(tt.text for tt in toks[k0:kv + 1])
        it = "It" if initial else "it"
        new = [_Tok(it, " ", None, True), _Tok(toks[ka].text.lower() if initial else toks[ka].text, " ", None, True),
               _Tok(toks[kv].text, " ", None, True)]
        new += [_Tok(x.text.lower() if initial and x.i == span[0] and x.pos_ != "PROPN" else x.text, x.whitespace_ or " ", None, True)
                for x in words]
        new[-1].ws = toks[kv].ws
        toks[k0:kv + 1] = new
        return Injected("PAS", before, " ".join(x.text for x in new))
    return None


def _detok(toks) -> str:
    return "".join(t.text + t.ws for t in toks).strip()
