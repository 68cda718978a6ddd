"""Inverted impersonal passive (PAS family): "it was adopted joint statement"."""
from __future__ import annotations

from typing import Iterator, Optional

from mtqa.checks.rules._util import indefinite
from mtqa.checks.rules.articles import likely_count_noun
from mtqa.checks.rules.base import Example, Rule, Sentence
from mtqa.types import Category, Finding, Severity

# With these verbs "it was given a name" is ordinary English (two objects), so a
# referential "it" + passive + object is not an inversion.
_DITRANSITIVE = {"give", "grant", "award", "offer", "send", "show", "tell", "pay", "assign",
                 "ask", "promise", "deny", "allow", "teach", "lend", "hand", "issue", "charge",
                 "call", "name", "elect", "appoint", "consider", "make", "cost", "serve", "owe",
                 "bring", "sell", "afford", "fine", "spare", "refuse", "feed", "tell"}
_PLURAL_BE = {"was": "were", "is": "are", "has": "have"}


def _inverted(verb) -> Optional[tuple]:
    """(subject 'it' or None, auxiliaries, object) when ``verb`` heads an inverted passive."""
    if verb.tag_ != "VBN" or verb.dep_ == "conj":
        return None
    aux = [c for c in verb.lefts if c.dep_ in ("aux", "auxpass")]
    if not any(c.dep_ == "auxpass" for c in aux):
        return None
    subj = [c for c in verb.children if c.dep_ in ("nsubjpass", "nsubj", "expl", "csubjpass")]
    obj = [c for c in verb.rights if c.dep_ in ("dobj", "oprd") and c.pos_ in ("NOUN", "PROPN")]
    if not obj or len(subj) > 1 or (subj and subj[0].lower_ != "it"):
        return None
    if subj and verb.lemma_ in _DITRANSITIVE or verb.lemma_ == "mean":  # "By X is meant Y"
        return None
    if not subj and (any(c.tag_ == "TO" for c in aux) or _subject_before(verb, min(c.i for c in aux))):
        return None  # "needs to be taken care of"; "Rogozin, then in charge, was declared ..."
    if any(t.tag_ in ("VBZ", "VBD", "VBP") for t in obj[0].subtree):
        return None  # the "object" is a clause: "It is not known how Sputnik reacts"
    return (subj[0] if subj else None), aux, obj[0]


def _subject_before(verb, first_aux: int) -> bool:
    """Whether a noun or pronoun before the auxiliary could be the verb's subject, missed
    by the parser (an appositive in commas between them): one reached from the verb
    through nouns only - not inside a prepositional phrase ("At the same time, was noted
    ...") or another clause."""
    for t in verb.doc[verb.sent.start:first_aux]:
        if t.pos_ not in ("NOUN", "PROPN", "PRON") or t.dep_ in ("npadvmod", "tmod") or t.ent_type_ in ("DATE", "TIME"):
            continue  # "Yesterday, was opened ..." 
        a = t.head
        while a.i != verb.i and a.head.i != a.i and a.pos_ in ("NOUN", "PROPN", "PRON", "ADJ", "DET", "PUNCT", "CCONJ"):
            a = a.head
        if a.i == verb.i or (a.head.i == a.i and a.pos_ in ("NOUN", "PROPN")):
            return True
    return False


class InvertedPassive(Rule):
    """Inverted impersonal passive: the verb comes before its subject.

    What it flags: "it was adopted joint statement", "It was signed an agreement",
    "was noted the importance of ..." - a passive verb with an expletive "it" (or no
    subject) followed by the noun phrase that should be its subject.  Russian word order
    ("была принята совместная декларация") carried over by MT.
    Not flagged: "it was given a new name" and other two-object verbs with a real "it".
    Why: it is ungrammatical in English and hard to read.
    Example: Following the meeting, it was adopted joint statement.
    Use instead: Following the meeting, a joint statement was adopted.
    Fix safety: unsafe - the rewrite is built from the parse (subject moved first, "was"
    agreeing with it, an article added to a bare singular noun) and is only offered when
    the words form one unbroken run.
    """

    id = "PAS001"
    name = "inverted-passive"
    category = Category.GRAMMAR
    severity = Severity.MAJOR
    examples = (
        Example("Following the meeting, it was adopted joint statement on cooperation.", True,
                "Following the meeting, a joint statement on cooperation was adopted."),
        Example("It was signed an agreement on trade.", True, "An agreement on trade was signed."),
        Example("At the same time, was noted the importance of cooperation.", True,
                "At the same time, the importance of cooperation was noted."),
        Example("A joint statement was adopted, and it was given a new name.", False),
        Example("In 2017, Deputy Prime Minister Dmitry Rogozin, then in charge of relations with "
                "Chisinau, was declared persona non grata in Moldova.", False),
        Example("I am a girl who also needs to be taken care of.", False),
        Example("Yesterday in Moscow was opened new museum of history.", True,
                "Yesterday in Moscow a new museum of history was opened."),
    )

    def check(self, sentence: Sentence) -> Iterator[Finding]:
        doc = sentence.doc
        for verb in doc:
            found = _inverted(verb)
            if found is None:
                continue
            subj, aux, obj = found
            first = subj or aux[0]
            end = obj.right_edge
            while end.i > obj.i and end.is_punct:
                end = end.nbor(-1)
            phrase = self._subject(doc, obj)
            head = self._subject(doc, obj, upto=obj)
            group = self._verb_group(doc, aux, verb, plural=obj.tag_ in ("NNS", "NNPS"))
            summary = f"{head} {group}"
            reps = []
            contiguous = all(t.i == first.i + k for k, t in enumerate(
                ([subj] if subj else []) + sorted(aux, key=lambda t: t.i)))
            if contiguous and all(t.dep_ in ("neg", "advmod") for t in doc[aux[-1].i + 1: verb.i]) and obj.left_edge.i == verb.i + 1:
                rep = f"{phrase} {group}"
                if first.text[0].isupper():
                    rep = rep[0].upper() + rep[1:]
                reps = [rep]
            yield self.finding(first.idx, end.idx + len(end.text),
                               f"Inverted passive: put the subject first (\"{summary}\")",
                               reps, confidence=0.75)

    @staticmethod
    def _subject(doc, obj, upto=None) -> str:
        last = upto if upto is not None else obj.right_edge
        while last.i > obj.i and last.is_punct:
            last = last.nbor(-1)
        text = doc[obj.left_edge.i: last.i + 1].text
        has_det = any(c.dep_ in ("det", "poss", "nummod", "predet") for c in obj.children)
        if obj.left_edge.is_sent_start and obj.left_edge.pos_ != "PROPN":
            text = text[0].lower() + text[1:]
        if not has_det and obj.tag_ == "NN" and likely_count_noun(obj.lemma_.lower()):
            text = f"{indefinite(text)} {text}"
        return text

    @staticmethod
    def _verb_group(doc, aux, verb, plural: bool) -> str:
        words = [t.text for t in doc[min(a.i for a in aux): verb.i + 1]]
        if plural:
            words[0] = _PLURAL_BE.get(words[0].lower(), words[0])
        words[0] = words[0].lower()
        return " ".join(words)


RULES = (InvertedPassive,)
