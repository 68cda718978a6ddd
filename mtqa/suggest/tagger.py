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

As a post-editing backend it is ``mtqa.suggest.backend.TaggerBackend`` (``--model tagger``),
and ``ScreenedBackend`` there uses it to pick the sentences the seq2seq adapter reads
(``--model default``).

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

from mtqa.suggest.align import Token, tokenize

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


def head_module(n_in: int, n_tags: int, hidden: int = 256):
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

        from safetensors import SafetensorError

        self.folder = Path(folder)
        meta = json.loads((self.folder / "tagger.json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or not isinstance(meta.get("tags"), list) or not meta["tags"]:
            raise ValueError("tagger.json is not an object with a list of tags")
        if list(meta.get("state_layers", STATE_LAYERS)) != list(STATE_LAYERS):
            raise ValueError(f"it reads LM layers {meta['state_layers']}, this mtqa gives {list(STATE_LAYERS)}")
        self.meta = meta
        self.tags: list[str] = meta["tags"]
        self.head = head_module(int(meta["n_in"]), len(self.tags), int(meta.get("hidden", 256)))
        try:
            self.head.load_state_dict(load_file(str(self.folder / "head.safetensors")))
        except SafetensorError as exc:
            raise ValueError(f"head.safetensors: {exc}") from exc
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


def strongest_edit(p: TagPrediction) -> float:
    """The largest log p(tag) - log p(keep) over the words and edit tags (-inf: no word)."""
    if not len(p.probs):
        return float("-inf")
    lp = np.log(np.maximum(p.probs, 1e-12))
    return float((lp[:, 1:].max(1) - lp[:, 0]).max())
