"""The edit tagger: a post-editor that reads the quality estimate's LM pass, not a second
model's decoding.

Every word of a sentence gets one tag (GECToR style): ``K`` keep, ``D`` delete, ``I:w``
insert the words ``w`` before it, ``R:w`` replace it with ``w``, or ``S:n:x`` strip ``n``
letters from its end and append ``x`` (noun number, verb form: "country" -> "countries"
is ``S:1:ies``).  The tag is predicted from the hidden states that the QE's SmolLM2 pass
already computed (``mtqa.qe.lmscore.lm_pass(..., state_layers=...)``): for each word, the
state that predicts it (what the LM expected here: "the" before a bare noun) and the
states after it, through a small bidirectional GRU, so a check pays for the post-editor
only a few milliseconds per sentence.

Tags come from the same training pairs as the seq2seq adapter (``scripts/make_ape_data.py``:
interference errors learned from real ru-en MT, injected into clean English); training is
``scripts/train_tagger.py``; the shipped head is ``models/edit-tagger``
(``MODEL_CARD.md``).
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from mtqa.english.lexicon import DETERMINERS
from mtqa.errors import ToolError
from mtqa.suggest.align import Token, tokenize
from mtqa.suggest.backend import Backend

KEEP = "K"
DELETE = "D"
# The LM layers whose states a word's features are made of: the final (normed) layer, which
# the LM head reads to predict the next token, and layer 15, the QE's pooled layer.
STATE_LAYERS = (-1, 15)
MAX_INSERT_WORDS = 2
# Part of the output cache key: bump it when proposed_tags or apply_tags change.
PROPOSE_VERSION = 2


def words(sentence: str) -> list[Token]:
    return tokenize(sentence)


def _suffix_tag(a: str, b: str) -> Optional[str]:
    """``S:n:x`` when ``b`` is ``a`` with its last n letters changed to x and they share a
    stem of 3 or more letters (same case)."""
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    if k < 3 or a == b:
        return None
    return f"S:{len(a) - k}:{b[k:]}"


def edit_tags(src: Sequence[str], tgt: Sequence[str]) -> Optional[list[str]]:
    """One tag per ``src`` word that turns it into ``tgt`` (words compared without case:
    a capital that moves with an inserted article is the applier's job), or None when the
    difference is not expressible (an insertion at the very end, a long rewrite)."""
    a = [w.lower() for w in src]
    b = [w.lower() for w in tgt]
    tags = [KEEP] * len(a)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "insert":
            if i1 >= len(a) or j2 - j1 > MAX_INSERT_WORDS or tags[i1] != KEEP:
                return None
            tags[i1] = "I:" + " ".join(b[j1:j2])
        elif op == "delete":
            if i2 - i1 > 2:
                return None
            for i in range(i1, i2):
                tags[i] = DELETE
        else:  # replace
            if i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    tags[i] = _suffix_tag(a[i], b[j]) or "R:" + b[j]
            elif i2 - i1 == 1 and j2 - j1 <= MAX_INSERT_WORDS:
                tags[i1] = "R:" + " ".join(b[j1:j2])
            elif j2 - j1 == 1 and i2 - i1 == 2:
                tags[i1], tags[i1 + 1] = DELETE, "R:" + b[j1]
            else:
                return None
    return tags


def ends_like_sentence(sentence: str) -> bool:
    """Whether the text ends as a sentence does (final punctuation, perhaps inside quotes
    or brackets), not as a headline or a label."""
    t = sentence.rstrip().rstrip("\"'»”’)]")
    return bool(t) and t[-1] in ".!?…:;"


def word_features(sentence: str, ts, toks: Optional[list[Token]] = None) -> np.ndarray:
    """float16 [n_words, 3 * d] from the LM states of ``ts`` (``TokenScores.states``, layers
    ``STATE_LAYERS``): the final-layer state that predicts the word's first token, and both
    layers' states after its last token.  A word the pass cut off gets zeros."""
    toks = words(sentence) if toks is None else toks
    st = ts.states
    d = st.shape[1] // len(STATE_LAYERS)
    out = np.zeros((len(toks), 3 * d), dtype=np.float16)
    offs = ts.offsets
    k = 0
    n_tok = len(offs)
    for w, t in enumerate(toks):
        while k < n_tok and offs[k][1] <= t.start:
            k += 1
        if k >= n_tok:
            break
        last = k
        while last + 1 < n_tok and offs[last + 1][0] < t.end:
            last += 1
        out[w, :d] = st[k, :d]  # row k has read tokens 0..k-1: it predicts token k
        out[w, d:] = st[last + 1]
    return out


def _torch_head(n_in: int, n_tags: int, hidden: int = 256):
    import torch
    from torch import nn

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(n_in)
            self.proj = nn.Linear(n_in, hidden)
            self.gru = nn.GRU(hidden, hidden // 2, batch_first=True, bidirectional=True)
            self.out = nn.Linear(hidden * 2, n_tags)

        def forward(self, x, lengths):
            h = torch.nn.functional.gelu(self.proj(self.norm(x)))
            packed = nn.utils.rnn.pack_padded_sequence(h, lengths.cpu(), batch_first=True, enforce_sorted=False)
            g, _ = self.gru(packed)
            g, _ = nn.utils.rnn.pad_packed_sequence(g, batch_first=True, total_length=x.shape[1])
            return self.out(torch.cat([h, g], -1))

    return Head()


@dataclass
class TagPrediction:
    tokens: list[Token]
    probs: np.ndarray  # float32 [n_words, n_tags]


class EditTagger:
    """``models/edit-tagger``: ``tagger.json`` (tags, thresholds, provenance) and
    ``head.safetensors``."""

    def __init__(self, folder: Path):
        import torch
        from safetensors.torch import load_file

        self.folder = Path(folder)
        meta = json.loads((self.folder / "tagger.json").read_text(encoding="utf-8"))
        self.meta = meta
        self.tags: list[str] = meta["tags"]
        self.head = _torch_head(int(meta["n_in"]), len(self.tags), int(meta.get("hidden", 256)))
        self.head.load_state_dict(load_file(str(self.folder / "head.safetensors")))
        self.head.eval()
        self._torch = torch

    def predict(self, sentences: Sequence[str], scores: Sequence) -> list[TagPrediction]:
        torch = self._torch
        toks = [words(s) for s in sentences]
        feats = [word_features(s, ts, t) for s, ts, t in zip(sentences, scores, toks)]
        out: list[TagPrediction] = []
        for a in range(0, len(feats), 64):
            chunk = feats[a:a + 64]
            lengths = torch.tensor([max(len(f), 1) for f in chunk])
            x = torch.zeros((len(chunk), int(lengths.max()), int(self.meta["n_in"])))
            for r, f in enumerate(chunk):
                if len(f):
                    x[r, :len(f)] = torch.from_numpy(f.astype(np.float32))
            with torch.inference_mode():
                p = torch.softmax(self.head(x, lengths), -1).numpy()
            for r, f in enumerate(chunk):
                out.append(TagPrediction(toks[a + r], p[r, :len(f)]))
        return out


def apply_tags(sentence: str, tokens: Sequence[Token], tags: Sequence[str]) -> str:
    """The sentence with each word's tag carried out; spacing outside the edits kept."""
    parts = []
    at = 0
    cap_next = False
    for i, (t, tag) in enumerate(zip(tokens, tags)):
        word = sentence[t.start:t.end]
        if tag == KEEP:
            if cap_next:
                parts.append(sentence[at:t.start] + word[:1].upper() + word[1:])
                at, cap_next = t.end, False
            continue
        first = all(not u.text[0].isalnum() for u in tokens[:i])  # sentence-initial word
        if tag == DELETE:
            # the word and the space after it (or before it, at the end)
            end = t.end
            while end < len(sentence) and sentence[end] == " ":
                end += 1
            start = t.start
            if end == t.end:
                while start > at and sentence[start - 1] == " ":
                    start -= 1
            parts.append(sentence[at:start])
            at = end
            cap_next = first and word[:1].isupper()
            continue
        kind, _, arg = tag.partition(":")
        if kind == "I":
            ins = arg
            if first and word[:1].isupper():
                # "The" takes the capital; the word keeps its own, since a name cannot
                # be told from a common noun here ("The Austrian government")
                ins = ins[:1].upper() + ins[1:]
            new = ins + " " + word
        elif kind == "R":
            new = arg
            if word[:1].isupper():
                new = new[:1].upper() + new[1:]
        elif kind == "S":
            n, _, add = arg.partition(":")
            n = int(n)
            new = (word[:-n] if n else word) + add
        else:
            continue
        parts.append(sentence[at:t.start] + new)
        at, cap_next = t.end, False
    parts.append(sentence[at:])
    return "".join(parts)


class TaggerBackend(Backend):
    """The edit tagger behind the post-editing ``Backend`` interface: ``correct`` applies
    every word's most likely edit whose log-odds against keeping the word reach
    ``propose_margin`` (tagger.json), and ``logprobs`` scores any variant by its tags, so
    the guard's confidence margin of a one-edit variant is that edit's
    log p(tag) - log p(keep).  With the quality estimate attached (``use_estimate``), the
    states come from its LM pass; otherwise the tagger runs that pass itself."""

    def __init__(self, folder: Path, device: Optional[str] = None, cache=None):
        import hashlib

        from mtqa.qe import QualityEstimator

        super().__init__(cache)
        folder = Path(folder)
        try:
            self.tagger = EditTagger(folder)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ToolError(f"edit tagger {folder}: cannot load it ({exc})") from exc
        meta = self.tagger.meta
        self.own_qe = QualityEstimator.load(device=device, with_source=False)
        want = meta.get("qe_model")
        if want and want != self.own_qe.spec.get("name"):
            raise ToolError(f"edit tagger {folder}: trained on the states of QE model {want!r}, "
                            f"but {self.own_qe.spec.get('name')!r} is installed")
        self.qe = None
        self.propose_margin = float(meta.get("propose_margin", 0.0))
        digest = hashlib.sha256((folder / "head.safetensors").read_bytes()).hexdigest()[:12]
        self.model_id = f"mtqa-tagger:{folder.name}:{digest}+{self.own_qe.model_id}"
        self.prompt_version = f"tags:{PROPOSE_VERSION}:{self.propose_margin}"
        known = {"min_margin", "min_gain", "min_cosine", "max_edit_tokens", "max_share", "min_similarity"}
        self.guard_settings = {k: (float("-inf") if v is None else v)
                               for k, v in meta.get("guard", {}).items() if k in known}
        self.suggest_settings = {k: (float("-inf") if v is None else v)
                                 for k, v in meta.get("suggest", {}).items() if k in known}
        self._recent: dict[str, TagPrediction] = {}

    state_layers = STATE_LAYERS
    batch_size = 256

    def use_estimate(self, qe) -> None:
        """Read the LM states of ``qe``'s passes (the same int8 SmolLM2 pass) instead of
        running one: ``qe`` keeps them from now on."""
        if qe is not None and qe.spec.get("name") == self.own_qe.spec.get("name"):
            qe.state_layers = STATE_LAYERS
            self.qe = qe

    def _scores(self, sentences: Sequence[str]) -> list:
        from mtqa.qe.lmscore import lm_pass

        got = {}
        if self.qe is not None:
            for s in sentences:
                ts = self.qe.recent_scores(s)
                if ts is not None and ts.states is not None:
                    got[s] = ts
        todo = [s for s in dict.fromkeys(sentences) if s not in got]
        if todo:
            scores, _ = lm_pass(self.own_qe.lm, todo, state_layers=STATE_LAYERS)
            got.update(zip(todo, scores))
        return [got[s] for s in sentences]

    def predictions(self, sentences: Sequence[str]) -> list[TagPrediction]:
        preds = self.tagger.predict(sentences, self._scores(sentences))
        self._recent = dict(zip(sentences, preds))  # logprobs() reads the last batch's
        return preds

    def proposed_tags(self, sentence: str, p: TagPrediction) -> list[str]:
        """Each word's most likely edit whose log-odds against keeping it reach
        ``propose_margin``.  A line without a sentence's final punctuation is a headline or
        a label, and house style drops articles there: no article is put into one (on
        held-out ru-en MT, such insertions went against the post-edit)."""
        headline = not ends_like_sentence(sentence)
        tags = []
        lp = np.log(np.maximum(p.probs, 1e-12))
        for row in lp:
            order = np.argsort(-row[1:]) + 1
            tag = KEEP
            for best in order[:3]:
                if row[best] - row[0] < self.propose_margin:
                    break
                cand = self.tagger.tags[best]
                if headline and cand.startswith("I:") and all(w in DETERMINERS for w in cand[2:].split()):
                    continue
                tag = cand
                break
            tags.append(tag)
        return tags

    def _generate(self, sentences: list[str]) -> list[str]:
        out = []
        for s, p in zip(sentences, self.predictions(sentences)):
            tags = self.proposed_tags(s, p)
            out.append(s if all(t == KEEP for t in tags) else apply_tags(s, p.tokens, tags))
        return out

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        p = self._recent.get(sentence)
        if p is None:
            (p,) = self.predictions([sentence])
        index = {t: i for i, t in enumerate(self.tagger.tags)}
        lp = np.log(np.maximum(p.probs, 1e-12))
        src = [t.text for t in p.tokens]
        out = []
        for o in outputs:
            tags = edit_tags(src, [t.text for t in words(o)])
            if tags is None or len(tags) != len(lp) or any(t not in index for t in tags):
                out.append(float("-inf"))
                continue
            out.append(float(sum(lp[i, index[t]] for i, t in enumerate(tags))))
        return out


def strongest_edit(p: TagPrediction) -> float:
    """The largest log p(tag) - log p(keep) over the words and edit tags (-inf: no word)."""
    if not len(p.probs):
        return float("-inf")
    lp = np.log(np.maximum(p.probs, 1e-12))
    return float((lp[:, 1:].max(1) - lp[:, 0]).max())


class ScreenedBackend(Backend):
    """A text-to-text post-editor (the seq2seq adapter) that reads only the sentences where
    the edit tagger sees a possible edit: its strongest edit's log-odds reach ``margin``
    (tagger.json's ``screen``).  The other sentences are returned as they are, which is
    what the adapter answers for nearly all of them; the guard and its thresholds are the
    adapter's."""

    def __init__(self, tagger: TaggerBackend, inner: Backend, margin: float):
        super().__init__(inner.cache)
        self.tagger, self.inner, self.margin = tagger, inner, float(margin)
        self.model_id = f"{inner.model_id}+screen:{tagger.model_id}:{self.margin}"
        self.prompt_version = inner.prompt_version
        self.guard_settings = inner.guard_settings
        self.suggest_settings = inner.suggest_settings
        self.read = 0  # sentences the adapter was asked to read (benchmarks report it)

    def use_estimate(self, qe) -> None:
        self.tagger.use_estimate(qe)

    def correct(self, sentences: Sequence[str]) -> list[str]:
        picked = [s for s, p in zip(sentences, self.tagger.predictions(sentences))
                  if strongest_edit(p) >= self.margin]
        self.read += len(picked)
        out = dict(zip(picked, self.inner.correct(picked))) if picked else {}
        return [out.get(s, s) for s in sentences]

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        return self.inner.logprobs(sentence, outputs)
