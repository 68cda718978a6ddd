"""The model suggestion engine: a text-to-text post-editing model proposes a corrected
sentence, ``align`` turns it into word-level edits (typed by errant), and ``review``
(the SuggestionGuard) lets through only edits that keep the meaning and make the sentence
more fluent.

Pipeline use::

    ms = ModelSuggester()                      # default: the screened LoRA adapter
    edits = ms.suggest(text, sentences)        # every edit, the guard's verdict on each
    edits, findings = ms.propose(text, sentences)  # what a report shows: selected edits,
                                               # a finding per accepted one, linked by id

Every sentence goes to the model.  The default (``--model default``) is the seq2seq
adapter behind the edit tagger's screen (``mtqa.suggest.backend.ScreenedBackend``): the
tagger reads each sentence from the QE's LM states, and the adapter decodes only those
where it sees a possible edit; ``--model tagger`` is the tagger alone.  Input-guided
decoding (``mtqa.suggest.decode``) makes a sentence the adapter leaves alone cost one
batched pass.
Edits are in document offsets, origin MODEL, rule ids ``MDL:<errant type>`` (for example
``MDL:M:DET`` missing article, ``MDL:R:VERB:TENSE``), never applied here: accepted ones
have ``safe=True``, rejected ones ``safe=False, reason="guard:<why>"``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from mtqa.models.memo import Memo
from mtqa.suggest.align import AlignedEdit, align, errant_typed
from mtqa.suggest.review import SuggestionGuard, Verdict
from mtqa.types import Category, Edit, Finding, Origin, Segment, Severity

__all__ = ["ModelSuggester", "SentenceSuggestion", "align", "AlignedEdit", "SuggestionGuard", "Verdict"]

_CATEGORY = {"PUNCT": Category.PUNCTUATION, "ORTH": Category.SPELLING, "SPELL": Category.SPELLING,
             "WO": Category.FLUENCY, "OTHER": Category.FLUENCY}


@dataclass(frozen=True)
class SentenceSuggestion:
    sentence: str
    output: str  # the model's corrected sentence
    verdicts: tuple[Verdict, ...]

    @property
    def accepted(self) -> list[AlignedEdit]:
        return [v.edit for v in self.verdicts if v.ok]


class ModelSuggester:
    def __init__(self, spec: Optional[str] = None, device: Optional[str] = None,
                 lt_check: Optional[Callable[[str], list[Finding]]] = None, *,
                 guard: Optional[SuggestionGuard] = None, memo: int = 0):
        from mtqa.suggest.backend import load_backend

        self.backend = load_backend(spec, device)
        self.model_id = self.backend.model_id
        # Accepted edits are applied by `mtqa fix` only when the guard's thresholds were
        # tuned for this model on held-out post-edits (they ship with the adapter).
        self.calibrated = bool(self.backend.guard_settings) and guard is None
        self.sentences_seen = 0  # sentences sent to the model so far (benchmarks read it)
        # With ``memo`` > 0 (`mtqa serve`), the reviews of that many recent (sentence,
        # output) pairs are kept: the guard's verdicts depend on nothing else in a process.
        self.memo = memo
        self._memo: Memo[tuple[str, str], SentenceSuggestion] = Memo(memo)
        # The fluency check always uses the plain base LM, also under a fine-tuned model;
        # the confidence check asks the post-editing model itself.  A trained adapter
        # ships the guard thresholds that were tuned for it on held-out data.
        # Without apply thresholds, an adapter's "suggest" thresholds (tuned on held-out
        # injected errors) decide which edits are shown as suggestions.
        settings = self.backend.guard_settings if self.calibrated else self.backend.suggest_settings
        # The base LM loads when a sentence first has an edit to weigh (the tagger leaves
        # most sentences alone).
        self.guard = guard or SuggestionGuard(lm=None, lm_device=device, lt_check=lt_check,
                                              scorer=self.backend.logprobs, **settings)

    def review(self, sentences: Sequence[str]) -> list[SentenceSuggestion]:
        """Model output, its aligned edits and the guard's verdicts, per sentence."""
        outputs = self.backend.correct(list(sentences))
        out = []
        for s, o in zip(sentences, outputs):
            res = self._memo.get((s, o))
            if res is None:
                edits = errant_typed(s, align(s, o)) if o else []
                res = SentenceSuggestion(s, o, tuple(self.guard.review(s, o, edits)))
                self._memo.put((s, o), res)
            out.append(res)
        return out

    @staticmethod
    def select(sentences: Sequence[Segment]) -> list[int]:
        """Indices of the sentences the model reads: every sentence with words in it."""
        return [i for i, seg in enumerate(sentences)
                if seg.kind == "sentence" and any(c.isalpha() for c in seg.text)]

    def suggest(self, text: str, sentences: list[Segment]) -> list[Edit]:
        picked = self.select(sentences)
        self.sentences_seen += len(picked)
        results = self.review([sentences[i].text for i in picked])
        edits = []
        for i, res in zip(picked, results):
            base = sentences[i].start
            for v in res.verdicts:
                e = v.edit
                assert text[base + e.start:base + e.end] == res.sentence[e.start:e.end]
                edits.append(Edit(start=base + e.start, end=base + e.end, replacement=e.replacement,
                                  origin=Origin.MODEL, rule_id="MDL:" + e.type,
                                  confidence=v.confidence, safe=v.ok, applied=False,
                                  reason=None if v.ok else f"guard:{v.reason}"))
        return edits

    def propose(self, text: str, sentences: list[Segment], select=(), ignore=()) -> tuple[list[Edit], list[Finding]]:
        """The model stage for one document: its edits (only selected rule ids) and a
        Finding for each guard-accepted one, the edit carrying the finding's id.  A model
        whose guard thresholds were not tuned on held-out post-edits (the few-shot base
        model, any --model of the user's) only suggests: the few-shot SmolLM2's accepted
        edits had 0% precision on MLQE-PE dev (--unsafe applies them anyway)."""
        import dataclasses

        from mtqa.checks.select import selected

        edits, findings = [], []
        for e in self.suggest(text, sentences):
            if not selected(e.rule_id, select, ignore):
                continue
            if not self.calibrated:
                e = dataclasses.replace(e, safe=False)
            f = self.finding_for(e)
            if f is not None:
                findings.append(f)
                e = dataclasses.replace(e, finding_id=f.id)
            edits.append(e)
        return edits, findings

    @staticmethod
    def finding_for(e: Edit) -> Optional[Finding]:
        """The report's Finding for a guard-accepted model edit: minor, ``safe`` as the
        edit's (whether `mtqa fix` applies it); None for any other edit."""
        if e.origin != Origin.MODEL or e.reason is not None:
            return None
        kind = e.rule_id.split(":")[-1]
        return Finding(rule_id=e.rule_id, category=_CATEGORY.get(kind, Category.GRAMMAR),
                       severity=Severity.MINOR, start=e.start, end=e.end,
                       message=f"model suggests {e.replacement.strip()!r}" if e.replacement.strip()
                       else "model suggests deleting this",
                       replacements=(e.replacement,), origin=Origin.MODEL, safe=e.safe,
                       confidence=e.confidence)
