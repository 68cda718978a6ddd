"""Text-to-text post-editing backends: sentence in, corrected sentence out.

Model specs (``load_backend``):
- ``None`` / ``"default"``: the shipped post-editor: the LoRA adapter below, reading only
  the sentences where the edit tagger sees a possible edit (``ScreenedBackend``; the
  screen's margin is in the tagger's ``tagger.json``); without both, whichever ships;
- ``"lora"``: SmolLM2-135M-Instruct with the LoRA adapter in ``models/smollm2-ape-lora``,
  on every sentence;
- ``"tagger"``: the edit tagger in ``models/edit-tagger`` alone (``mtqa.suggest.tagger``:
  one tag per word from the QE's LM pass, no decoding);
- a directory holding ``tagger.json`` + ``head.safetensors``: an edit tagger
  (``scripts/train_tagger.py``);
- ``"smollm2"``: SmolLM2-135M-Instruct (offline, via ``mtqa.models.lm``) with a few-shot chat
  prompt;
- a directory holding ``adapter.json`` + ``adapter.safetensors``: a LoRA adapter (as
  written by ``scripts/train_ape_lora.py``) merged into a private copy of its base model,
  used with the adapter's own training prompt;
- ``"seq2seq:<path or hub id>"``, or a local directory whose config is encoder-decoder:
  any ``AutoModelForSeq2SeqLM`` (T5, BART, Marian, CoEdIT) with an instruction prefix;
- ``"causal:<spec>"`` or anything else ``mtqa.models.lm.load_causal_lm`` accepts: that causal LM
  with the few-shot chat prompt.

Decoding is greedy (or beam search, ``num_beams``), so outputs are deterministic and are
cached on disk by sha256(model id, prompt version, sentence) in an sqlite store under
``mtqa.models.lm.cache_dir()/outputs``.
"""
from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

from mtqa.models.resources import default_adapter, default_tagger
from typing import Optional, Sequence

from mtqa.errors import ToolError
from mtqa.suggest.prompts import FEWSHOT_VERSION, SEQ2SEQ_PREFIX, fewshot_messages


# The default post-editor: SmolLM2-135M-Instruct + the LoRA adapter trained by
# scripts/train_ape_lora.py on MLQE-PE ru-en post-edits (models/smollm2-ape-lora/MODEL_CARD.md).
DEFAULT_ADAPTER = default_adapter()  # in the wheel, or models/ in a checkout
DEFAULT_TAGGER = default_tagger()  # the default post-editor


class OutputCache:
    """sqlite key -> output.  WAL mode and a busy timeout make concurrent runs safe; a
    cache failure is a miss, never an error.  One connection per thread: `mtqa serve`
    checks in worker threads, and a sqlite connection refuses any thread but its own
    (before, that refusal was a silent miss on every request)."""

    def __init__(self, path: Optional[Path] = None):
        from mtqa.models.lm import cache_dir

        self.path = Path(path) if path else cache_dir() / "outputs" / "suggest.sqlite"
        self._local = threading.local()

    def _conn(self) -> Optional[sqlite3.Connection]:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(str(self.path), timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS out (k TEXT PRIMARY KEY, v TEXT)")
                db.commit()
                self._local.db = db
            except sqlite3.Error:
                return None
        return db

    @staticmethod
    def key(model_id: str, prompt_version: str, sentence: str) -> str:
        return hashlib.sha256("\0".join((model_id, prompt_version, sentence)).encode()).hexdigest()

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        db = self._conn()
        if db is None or not keys:
            return {}
        try:
            out = {}
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                q = "SELECT k, v FROM out WHERE k IN (%s)" % ",".join("?" * len(chunk))
                out.update(db.execute(q, chunk).fetchall())
            return out
        except sqlite3.Error:
            return {}

    def put(self, items: dict[str, str]) -> None:
        db = self._conn()
        if db is None or not items:
            return
        try:
            db.executemany("INSERT OR REPLACE INTO out (k, v) VALUES (?, ?)", items.items())
            db.commit()
        except sqlite3.Error:
            pass


class Backend:
    """Base: batching, caching and the generate loop shared by both model kinds."""

    model_id: str
    prompt_version: str
    batch_size: int = 8
    guard_settings: dict = {}  # SuggestionGuard thresholds under which `fix` applies its edits
    suggest_settings: dict = {}  # thresholds for showing its edits as suggestions only

    def __init__(self, cache: Optional[OutputCache] = None):
        self.cache = cache if cache is not None else OutputCache()

    def correct(self, sentences: Sequence[str]) -> list[str]:
        """Corrected sentence for each input (cached)."""
        keys = [OutputCache.key(self.model_id, self.prompt_version, s) for s in sentences]
        hit = self.cache.get(list(dict.fromkeys(keys)))
        todo = sorted({s for s, k in zip(sentences, keys) if k not in hit}, key=len)
        new: dict[str, str] = {}
        for i in range(0, len(todo), self.chunk_size):
            chunk = todo[i:i + self.chunk_size]
            for s, o in zip(chunk, self._generate(chunk)):
                new[OutputCache.key(self.model_id, self.prompt_version, s)] = o
        self.cache.put(new)
        hit.update(new)
        return [hit[k] for k in keys]

    def use_cache(self, cache: OutputCache) -> None:
        """Read and write outputs in ``cache`` from now on (a benchmark's fresh one)."""
        self.cache = cache

    @property
    def chunk_size(self) -> int:
        """Sentences handed to ``_generate`` at a time (the cache is written after each)."""
        return self.batch_size

    def _generate(self, sentences: list[str]) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        """Total log-probability the model gives each of ``outputs`` as its answer for
        ``sentence`` (teacher-forced, end-of-answer token included).  The guard compares a
        single-edit variant with the unchanged sentence: how much more the model believes
        in the edit than in leaving the text alone."""
        raise NotImplementedError  # pragma: no cover - abstract

    def max_new_tokens(self, tok, sentences: list[str]) -> int:
        # A post-edit is about as long as its input; a bound stops runaway generations.
        n = max(len(tok(s, add_special_tokens=False)["input_ids"]) for s in sentences)
        return min(256, int(n * 1.4) + 8)


class CausalBackend(Backend):
    """A decoder-only LM used text-to-text: few-shot chat prompt, or a LoRA adapter's own
    completion prompt."""

    num_beams: int = 1  # an adapter's "decoding" settings may change these
    prefer_edit: bool = False
    guided: bool = True  # input-guided greedy decoding (same output as greedy, faster)

    def __init__(self, spec: str = "smollm2", device: Optional[str] = None,
                 adapter: Optional[Path] = None, cache: Optional[OutputCache] = None):
        super().__init__(cache)
        from mtqa.models.lm import load_causal_lm

        self._decoder = None
        self._prefix: Optional[list[int]] = None
        lm = load_causal_lm(spec, device)
        self.tok, self.device = lm.tokenizer, lm.device
        self.copy_answer, self.copy_margin = None, 0.0
        if adapter is None:
            self.model = lm.model
            self.template: Optional[str] = None
            self.model_id = lm.model_id
            self.prompt_version = FEWSHOT_VERSION
        else:
            meta = _adapter_meta(adapter)
            self.model = _merged_copy(lm.model, adapter, meta)
            self.template = meta["prompt"]
            # An adapter trained to answer "leave it" with one token (train_ape_lora.py
            # --copy-answer) decides a copy at its first answer token.
            self.copy_answer: Optional[str] = meta.get("copy_answer")
            if self.copy_answer is not None and (not isinstance(self.copy_answer, str) or len(
                    self.tok(" " + self.copy_answer, add_special_tokens=False)["input_ids"]) != 1):
                raise ToolError(f"LoRA adapter {adapter}: adapter.json's copy_answer "
                                f"{self.copy_answer!r} is not one token")
            digest = hashlib.sha256((adapter / "adapter.safetensors").read_bytes()).hexdigest()[:12]
            self.model_id = f"{lm.model_id}+lora:{adapter.name}:{digest}"
            # An adapter trained mostly on unchanged pairs copies its input under greedy
            # decoding; "prefer_edit" decodes an n-best list and returns its best
            # hypothesis that changes something, leaving the decision to the guard's
            # confidence check (the model's own P(edit) vs P(unchanged)).
            dec = meta.get("decoding", {})
            self.num_beams = int(dec.get("num_beams", 1))
            self.prefer_edit = bool(dec.get("prefer_edit", False))
            self.copy_margin = float(dec.get("copy_margin", 0.0))
            self.prompt_version = "adapter:" + hashlib.sha256(
                f"{self.template}|{self.num_beams}|{self.prefer_edit}|{self.copy_answer}|{self.copy_margin}".encode()).hexdigest()[:8]
            known = {"min_margin", "min_gain", "min_cosine", "max_edit_tokens", "max_share", "min_similarity"}
            # JSON has no -inf: a null threshold means "no lower bound".
            self.guard_settings = {k: (float("-inf") if v is None else v)
                                   for k, v in meta.get("guard", {}).items() if k in known}
            self.suggest_settings = {k: (float("-inf") if v is None else v)
                                     for k, v in meta.get("suggest", {}).items() if k in known}

    def prompt(self, s: str) -> str:
        if self.template is not None:
            return self.template.format(mt=s)
        return self.tok.apply_chat_template(fewshot_messages(s), tokenize=False,
                                            add_generation_prompt=True)

    @property
    def chunk_size(self) -> int:
        # The guided decoder batches by tokens itself: it gets many sentences at once.
        return 128 if self._guided_path() else self.batch_size

    def _guided_path(self) -> bool:
        return self.num_beams == 1 and not self.prefer_edit and self.guided

    def _generate(self, sentences: list[str]) -> list[str]:
        if self._guided_path():
            return self.generate_guided(sentences)
        return self.generate_plain(sentences)

    @property
    def decoder(self):
        """The guided decoder of the last ``generate_guided`` call (its ``forward_passes``
        and ``copied`` counters), None before the first."""
        return self._decoder

    def use_model(self, model) -> None:
        """Decode with ``model`` from now on (a quantized copy, for the speed benchmark)."""
        self.model, self._decoder = model, None

    def generate_guided(self, sentences: list[str]) -> list[str]:
        """Greedy outputs by input-guided decoding (``mtqa.suggest.decode``): one batched
        pass for a sentence the model copies, a few more where it edits."""
        tok = self.tok
        if self._decoder is None:
            from mtqa.suggest.decode import GuidedDecoder

            self._decoder = GuidedDecoder(self.model, self._prefix_ids(), _stop_ids(tok),
                                          tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
                                          batch_size=2 * self.batch_size, copy_id=self.copy_id(), copy_margin=self.copy_margin)
        prefix = len(self._prefix_ids())
        contexts, drafts, limits = [], [], []
        end = self.end_id()
        for s in sentences:
            ids = tok(self.prompt(s), add_special_tokens=False)["input_ids"]
            contexts.append(ids[prefix:])
            drafts.append(tok(self.answer(s), add_special_tokens=False)["input_ids"] + [end])
            limits.append(self.max_new_tokens(tok, [s]))
        outs = self._decoder.decode(contexts, drafts, limits)
        return [self._output(s, _first_line(tok.decode(o, skip_special_tokens=True))) for s, o in zip(sentences, outs)]

    def copy_id(self) -> Optional[int]:
        """The token of the adapter's copy answer, if it has one."""
        if self.copy_answer is None:
            return None
        return self.tok(" " + self.copy_answer, add_special_tokens=False)["input_ids"][0]  # one: checked at load

    def _output(self, sentence: str, answer: str) -> str:
        """The corrected sentence an answer stands for (the copy answer: the sentence)."""
        return sentence if self.copy_answer is not None and answer.strip() == self.copy_answer else answer

    def _prefix_ids(self) -> list[int]:
        """The prompt tokens that every sentence shares (cached once by the decoder)."""
        if self._prefix is None:
            a = self.tok(self.prompt("A"), add_special_tokens=False)["input_ids"]
            b = self.tok(self.prompt("Z"), add_special_tokens=False)["input_ids"]
            k = 0
            while k < min(len(a), len(b)) and a[k] == b[k]:
                k += 1
            self._prefix = a[:max(0, k - 1)]  # one token back: the sentence may merge with it
        return self._prefix

    def end_id(self) -> int:
        end = self.tok.eos_token_id  # the adapter's training target ends with it
        if self.template is None:  # a chat turn ends with <|im_end|> where there is one
            im_end = self.tok.convert_tokens_to_ids("<|im_end|>")
            if isinstance(im_end, int) and im_end != self.tok.unk_token_id:
                end = im_end
        return end

    def generate_plain(self, sentences: list[str]) -> list[str]:
        import torch

        tok = self.tok
        tok.padding_side = "left"  # decoder-only batches must end where generation starts
        enc = tok([self.prompt(s) for s in sentences], return_tensors="pt", padding=True,
                  add_special_tokens=False).to(self.device)
        k = self.num_beams
        with torch.no_grad():
            gen = self.model.generate(
                **enc, max_new_tokens=self.max_new_tokens(tok, sentences), do_sample=False,
                num_beams=k, num_return_sequences=k if self.prefer_edit else 1,
                pad_token_id=tok.pad_token_id, eos_token_id=_stop_ids(tok),
            )
        rows = [self._output(sentences[i // (k if self.prefer_edit else 1)], _first_line(tok.decode(r, skip_special_tokens=True)))
                for i, r in enumerate(gen[:, enc["input_ids"].shape[1]:])]
        if not self.prefer_edit:
            return rows
        out = []
        for i, s in enumerate(sentences):
            hyps = rows[i * k:(i + 1) * k]  # best first
            out.append(next((h for h in hyps if h and h != s), hyps[0]))
        return out

    def answer(self, output: str, sentence: Optional[str] = None) -> str:
        """The answer text that stands for ``output`` (as a correction of ``sentence``)."""
        if self.copy_answer is not None and output == sentence:
            output = self.copy_answer
        # The completion prompt ends at "Fixed:" and training put one space before the
        # answer; the chat template's assistant turn starts on its own line.
        return (" " + output) if self.template is not None else output

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        """The prompt runs once; its key/value cache is shared by a batch of answers, and
        the output layer runs only where an answer token is predicted."""
        import torch

        from mtqa.models.lm import kept_logits
        from mtqa.suggest.decode import cache_from, cache_layers

        tok = self.tok
        prompt = tok(self.prompt(sentence), add_special_tokens=False)["input_ids"]
        end = self.end_id()
        answers = [tok(self.answer(o, sentence), add_special_tokens=False)["input_ids"] + [end] for o in outputs]
        if not answers:
            return []
        pad = tok.pad_token_id if tok.pad_token_id is not None else end
        known: dict[tuple, float] = {}
        state = self._prompt_state(prompt)
        with torch.inference_mode():
            if state is not None:  # the decoder's pass over this prompt, kept
                kv, first = state.kv, state.first
                known[state.draft] = state.draft_logprob
            else:
                cache = cache_from([])
                last = torch.zeros((1, len(prompt)), dtype=torch.bool)
                last[0, -1] = True
                logits = kept_logits(self.model, last, input_ids=torch.tensor([prompt], device=self.device),
                                     past_key_values=cache, use_cache=True)
                first = torch.log_softmax(logits[0].float(), -1)  # each answer's first token
                kv = cache_layers(cache)
            todo = [a for a in dict.fromkeys(map(tuple, answers)) if a not in known]
            for i in range(0, len(todo), self.batch_size):
                chunk = [list(a) for a in todo[i:i + self.batch_size]]
                n = max(len(a) for a in chunk)
                sums = [float(first[a[0]]) for a in chunk]
                if n > 1:
                    ids = torch.tensor([a + [pad] * (n - len(a)) for a in chunk], device=self.device)
                    keep = torch.zeros(ids.shape, dtype=torch.bool, device=self.device)
                    for j, a in enumerate(chunk):
                        keep[j, :len(a) - 1] = True  # position k predicts a[k + 1]
                    cache = cache_from([(k.expand(len(chunk), -1, -1, -1), v.expand(len(chunk), -1, -1, -1))
                                        for k, v in kv])
                    # Right padding: with causal attention no answer token sees a pad.
                    logits = kept_logits(self.model, keep, input_ids=ids, past_key_values=cache,
                                         use_cache=True).float()
                    tgt = torch.tensor([t for a in chunk for t in a[1:]], device=self.device)
                    lp = logits.gather(-1, tgt[:, None])[:, 0] - torch.logsumexp(logits, -1)
                    for j, part in enumerate(lp.split([len(a) - 1 for a in chunk])):
                        sums[j] += float(part.sum())
                known.update(zip(map(tuple, chunk), sums))
        return [known[tuple(a)] for a in answers]

    def _prompt_state(self, prompt: list[int]):
        """The guided decoder's kept state for this prompt (a sentence it just edited)."""
        pre = self._prefix_ids()
        if self._decoder is None or prompt[:len(pre)] != pre:
            return None
        return self._decoder.state(prompt[len(pre):])


class Seq2SeqBackend(Backend):
    """Any encoder-decoder model with an instruction prefix (CoEdIT style)."""

    def __init__(self, where: str, device: Optional[str] = None, prefix: str = SEQ2SEQ_PREFIX,
                 num_beams: int = 1, cache: Optional[OutputCache] = None):
        super().__init__(cache)
        try:
            import torch
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        except ImportError as exc:
            raise ToolError("model backend needs torch and transformers installed") from exc
        from mtqa.models.lm import pick_device

        try:
            self.tok = AutoTokenizer.from_pretrained(where)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(where, dtype=torch.float32)
        except Exception as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ToolError(f"could not load seq2seq model {where!r}: {msg}") from exc
        self.device = pick_device(device)
        self.model.to(self.device).eval()
        p = Path(where)
        self.model_id = f"seq2seq:{p.resolve()}" if p.exists() else f"seq2seq:{where}"
        self.prefix, self.num_beams = prefix, num_beams
        self.prompt_version = "s2s:" + hashlib.sha256(f"{prefix}|{num_beams}".encode()).hexdigest()[:8]

    def _generate(self, sentences: list[str]) -> list[str]:
        import torch

        enc = self.tok([self.prefix + s for s in sentences], return_tensors="pt",
                       padding=True, truncation=True, max_length=512).to(self.device)
        with torch.no_grad():
            gen = self.model.generate(**enc, max_new_tokens=self.max_new_tokens(self.tok, sentences),
                                      do_sample=False, num_beams=self.num_beams)
        return [_first_line(t) for t in self.tok.batch_decode(gen, skip_special_tokens=True)]

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        import torch

        enc = self.tok([self.prefix + sentence], return_tensors="pt", truncation=True,
                       max_length=512).to(self.device)
        out = []
        for i in range(0, len(outputs), self.batch_size):
            chunk = list(outputs[i:i + self.batch_size])
            lab = self.tok(chunk, return_tensors="pt", padding=True).to(self.device)
            labels = lab["input_ids"].masked_fill(lab["attention_mask"] == 0, -100)
            k = len(chunk)
            with torch.no_grad():
                logits = self.model(input_ids=enc["input_ids"].expand(k, -1),
                                    attention_mask=enc["attention_mask"].expand(k, -1),
                                    labels=labels).logits.float()
            lp = torch.log_softmax(logits, dim=-1)
            mask = labels != -100
            got = lp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            out += [float(v) for v in (got * mask).sum(-1)]
        return out


_THRESHOLDS = {"min_margin", "min_gain", "min_cosine", "max_edit_tokens", "max_share", "min_similarity"}


def _thresholds(folder: Path, meta: dict, block: str) -> dict:
    """tagger.json's ``guard`` or ``suggest`` block as SuggestionGuard settings (null: no
    threshold); a malformed block is a ToolError naming the file."""
    raw = meta.get(block, {})
    if not isinstance(raw, dict) or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                                            for k, v in raw.items() if k in _THRESHOLDS):
        raise ToolError(f"edit tagger {folder}: tagger.json's {block!r} is not an object of numbers")
    return {k: (float("-inf") if v is None else v) for k, v in raw.items() if k in _THRESHOLDS}


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
        from mtqa.suggest.tagger import PROPOSE_VERSION, EditTagger

        super().__init__(cache)
        folder = Path(folder)
        try:
            self.tagger = EditTagger(folder)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
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
        self.guard_settings = _thresholds(folder, meta, "guard")
        self.suggest_settings = _thresholds(folder, meta, "suggest")
        self._recent: dict = {}  # sentence -> its TagPrediction, from the recent batches

    batch_size = 256

    def use_estimate(self, qe) -> None:
        """Read the LM states of ``qe``'s passes (the same int8 SmolLM2 pass) instead of
        running one: ``qe`` keeps them from now on."""
        from mtqa.suggest.tagger import STATE_LAYERS

        if qe is not None and qe.spec.get("name") == self.own_qe.spec.get("name"):
            qe.state_layers = STATE_LAYERS
            self.qe = qe

    def _scores(self, sentences: Sequence[str]) -> list:
        from mtqa.qe.lmscore import lm_pass
        from mtqa.suggest.tagger import STATE_LAYERS

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

    def predictions(self, sentences: Sequence[str]) -> list:
        preds = self.tagger.predict(sentences, self._scores(sentences))
        if len(self._recent) + len(preds) > 1024:  # logprobs() reads the recent batches'
            self._recent.clear()
        self._recent.update(zip(sentences, preds))
        return preds

    def proposed_tags(self, sentence: str, p) -> list[str]:
        """Each word's most likely edit whose log-odds against keeping it reach
        ``propose_margin``.  A line without a sentence's final punctuation is a headline or
        a label, and house style drops articles there: no article is put into one (on
        held-out ru-en MT, such insertions went against the post-edit)."""
        import numpy as np

        from mtqa.english.lexicon import DETERMINERS
        from mtqa.suggest.tagger import KEEP, ends_like_sentence

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
        from mtqa.suggest.tagger import KEEP, apply_tags

        out = []
        for s, p in zip(sentences, self.predictions(sentences)):
            tags = self.proposed_tags(s, p)
            out.append(s if all(t == KEEP for t in tags) else apply_tags(s, p.tokens, tags))
        return out

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        import numpy as np

        from mtqa.suggest.tagger import edit_tags, words

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


class ScreenedBackend(Backend):
    """A text-to-text post-editor (the seq2seq adapter) that reads only the sentences where
    the edit tagger sees a possible edit: its strongest edit's log-odds reach ``margin``
    (tagger.json's ``screen``).  The other sentences are returned as they are, which is
    what the adapter answers for nearly all of them; the guard and its thresholds are the
    adapter's."""

    def __init__(self, tagger: "TaggerBackend", inner: Backend, margin: float):
        super().__init__(inner.cache)
        self.tagger, self.inner, self.margin = tagger, inner, float(margin)
        self.model_id = f"{inner.model_id}+screen:{tagger.model_id}:{self.margin}"
        self.prompt_version = inner.prompt_version
        self.guard_settings = inner.guard_settings
        self.suggest_settings = inner.suggest_settings
        self.read = 0  # sentences the adapter was asked to read (benchmarks report it)

    def use_estimate(self, qe) -> None:
        self.tagger.use_estimate(qe)

    def use_cache(self, cache: OutputCache) -> None:
        """The screen's outputs and the adapter's own, both in ``cache``: otherwise the
        adapter would still answer from the cache it was built with."""
        self.cache = cache
        self.inner.use_cache(cache)
        self.tagger.use_cache(cache)

    @property
    def chunk_size(self) -> int:
        return 256

    def _generate(self, sentences: list[str]) -> list[str]:
        """Called for the sentences not in the output cache (``Backend.correct``)."""
        from mtqa.suggest.tagger import strongest_edit

        picked = [s for s, p in zip(sentences, self.tagger.predictions(sentences))
                  if strongest_edit(p) >= self.margin]
        self.read += len(picked)
        out = dict(zip(picked, self.inner.correct(picked))) if picked else {}
        return [out.get(s, s) for s in sentences]

    def logprobs(self, sentence: str, outputs: Sequence[str]) -> list[float]:
        return self.inner.logprobs(sentence, outputs)


def _stop_ids(tok) -> list[int]:
    ids = {tok.eos_token_id}
    for t in ("<|im_end|>", "<|endoftext|>"):
        tid = tok.convert_tokens_to_ids(t)
        if isinstance(tid, int) and tid != tok.unk_token_id:
            ids.add(tid)
    return sorted(i for i in ids if i is not None)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


def _adapter_meta(adapter: Path) -> dict:
    """adapter.json, checked: a user's broken adapter is a one-line error, not a traceback."""
    try:
        meta = json.loads((adapter / "adapter.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ToolError(f"LoRA adapter {adapter}: cannot read adapter.json ({exc})") from exc
    if not isinstance(meta, dict):
        raise ToolError(f"LoRA adapter {adapter}: adapter.json is not a JSON object")
    missing = [k for k in ("prompt", "rank", "alpha") if k not in meta]
    if missing:
        raise ToolError(f"LoRA adapter {adapter}: adapter.json lacks {', '.join(missing)}")
    return meta


def _merged_copy(base, adapter: Path, meta: dict):
    """Base weights + (alpha / rank) * B @ A for every LoRA pair, in a private copy so the
    shared base model (used by the quality estimator too) stays untouched."""
    import torch
    from safetensors.torch import load_file

    try:
        state = load_file(str(adapter / "adapter.safetensors"))
    except Exception as exc:  # a missing or damaged weights file: one line, exit 3
        raise ToolError(f"LoRA adapter {adapter}: cannot read adapter.safetensors ({exc})") from exc
    model = copy.deepcopy(base)
    params = dict(model.named_parameters())
    scale = float(meta["alpha"]) / float(meta["rank"])
    merged = 0
    for key, a in state.items():
        if ".lora_A." not in key:
            continue
        b = state[key.replace(".lora_A.", ".lora_B.")]
        # peft names: base_model.model.<module path>.lora_A.weight -> <module path>.weight
        path = key.split(".lora_A.")[0].removeprefix("base_model.model.") + ".weight"
        if path not in params:
            raise ToolError(f"LoRA adapter {adapter} does not fit its base model: {path}")
        with torch.no_grad():
            w = params[path]
            w += scale * (b.to(w.dtype).to(w.device) @ a.to(w.dtype).to(w.device))
        merged += 1
    if not merged:
        raise ToolError(f"no LoRA weights in {adapter}")
    return model.eval()


def _meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def default_spec() -> str:
    """What ``None``/``"default"`` stands for: ``"default"`` itself when the shipped edit
    tagger names a screen for the shipped adapter (the screened adapter); else the tagger,
    the adapter or the few-shot base model, the first that ships."""
    tagger, adapter = DEFAULT_TAGGER / "tagger.json", DEFAULT_ADAPTER / "adapter.json"
    if tagger.exists() and adapter.exists() and _meta(tagger).get("screen"):
        return "default"
    if tagger.exists():
        return str(DEFAULT_TAGGER)
    return str(DEFAULT_ADAPTER) if adapter.exists() else "smollm2"


def model_files(spec: str) -> list[Path]:
    """The files whose bytes are a model folder's identity (result-cache keys): for
    ``"default"``, ``"lora"`` and ``"tagger"`` the shipped folders they stand for, else the
    folder ``spec`` (none when it is not one: a hub id or a built-in name)."""
    spec = default_spec() if spec == "default" else spec
    folders = {"default": [DEFAULT_TAGGER, DEFAULT_ADAPTER], "lora": [DEFAULT_ADAPTER],
               "tagger": [DEFAULT_TAGGER]}.get(spec, [Path(spec).expanduser()])
    return [f / n for f in folders for n in ("tagger.json", "head.safetensors", "adapter.json",
                                               "adapter.safetensors", "config.json") if (f / n).is_file()]


def default_model_earns_default() -> bool:
    """Whether the shipped post-editor runs without being asked for: only when the model
    that makes its edits ships apply ("guard") thresholds, i.e. its edits met the real-MT
    precision target on held-out post-edits (benchmarks/ape_tune.py).  Neither the
    adapter nor the edit tagger does, so the post-editor is opt-in (``--model default``
    or ``model.enabled = true``)."""
    spec = default_spec()
    if spec == "default":  # the screened adapter: the adapter's thresholds
        return bool(_meta(DEFAULT_ADAPTER / "adapter.json").get("guard"))
    for name in ("tagger.json", "adapter.json"):
        if (Path(spec) / name).exists():
            return bool(_meta(Path(spec) / name).get("guard"))
    return False


def load_backend(spec: Optional[str] = None, device: Optional[str] = None) -> Backend:
    """The backend for a model spec (see the module docstring); loaded once per process."""
    if spec is None:
        spec = "default"
    if spec == "default":
        spec = default_spec()
    elif spec == "lora":
        spec = str(DEFAULT_ADAPTER)
    elif spec == "tagger":
        spec = str(DEFAULT_TAGGER)
    return _load_backend(spec, device)


@lru_cache(maxsize=4)
def _load_backend(spec: str, device: Optional[str]) -> Backend:
    if spec == "default":
        screen = _meta(DEFAULT_TAGGER / "tagger.json")["screen"]
        try:
            margin = float(screen["min_margin"])
        except (TypeError, KeyError, ValueError) as exc:
            raise ToolError(f"edit tagger {DEFAULT_TAGGER}: tagger.json's screen has no usable min_margin") from exc
        return ScreenedBackend(_load_backend(str(DEFAULT_TAGGER), device), _load_backend(str(DEFAULT_ADAPTER), device),
                               margin)
    if spec.startswith("seq2seq:"):
        return Seq2SeqBackend(spec.removeprefix("seq2seq:"), device)
    if spec.startswith("causal:"):
        return CausalBackend(spec.removeprefix("causal:"), device)
    p = Path(spec).expanduser()
    if p.is_dir() and (p / "tagger.json").exists():
        return TaggerBackend(p, device)
    if p.is_dir() and (p / "adapter.json").exists():
        return CausalBackend(_adapter_meta(p).get("base", "smollm2"), device, adapter=p)
    if p.is_dir() and (p / "config.json").exists():
        cfg = json.loads((p / "config.json").read_text(encoding="utf-8"))
        if cfg.get("is_encoder_decoder"):
            return Seq2SeqBackend(str(p), device)
    return CausalBackend(spec, device)
