"""Input-guided greedy decoding for a causal post-editor (aggressive decoding: Sun et al.,
ACL 2021, "Instantaneous Grammatical Error Correction with Shallow Aggressive Decoding").

A post-edit is mostly a copy of its input, so the input is the draft: one batched,
teacher-forced pass checks where the model's greedy choice agrees with the copy.  A
sentence the model would copy whole (the common case) costs that one pass.  Where the
model disagrees, decoding goes on token by token from the first disagreement until the
last two tokens it wrote match two consecutive input tokens again; from there the rest
of the input is checked in one pass again.  The output is the greedy output (the same
tokens ``generate(do_sample=False)`` gives, up to floating-point ties), at a fraction of
the cost.  The prompt, the same for every sentence, is run once and its key/value cache
shared by the batch.

On a CPU a forward pass costs its tokens, padding included, and the output layer (a
49k-word vocabulary) is a fifth of it: batches are cut from inputs sorted by length where
padding would cost more than another pass (``mtqa.models.batching``), and the output layer
runs only at the draft positions, the only ones whose guesses are read (``logits_to_keep``).

An adapter trained to answer an input it would leave alone with one copy token (``"="``:
``copy_id``) decides the copy at the first answer token: a first pass over the prompts
alone keeps the answers whose copy-token logit leads every other first token's by
``copy_margin`` (0: greedy's choice), and only the other inputs are decoded against their
drafts, the copy token barred at the first position.
A copy then costs its prompt, not its prompt and the sentence read back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from mtqa.models.memo import Memo


def cache_from(layers, rows=None, length=None):
    """A DynamicCache holding copies of ``layers`` ((key, value) per layer), optionally
    only some batch rows and the first ``length`` positions."""
    from transformers import DynamicCache

    cache = DynamicCache()
    for i, (k, v) in enumerate(layers):
        if rows is not None:
            k, v = k[rows], v[rows]
        if length is not None:
            k, v = k[:, :, :length], v[:, :, :length]
        cache.update(k.contiguous(), v.contiguous(), i)
    return cache


def cache_layers(cache) -> list:
    """(key, value) per layer of a transformers cache."""
    return [(layer.keys, layer.values) for layer in cache.layers]


@dataclass(frozen=True)
class PromptState:
    """What the teacher-forced pass already knows of an input the model edits: the prompt's
    key/value cache, the log-probabilities of the answer's first token, and the total
    log-probability of the draft (the input copied back).  The guard's confidence check
    (``CausalBackend.logprobs``) starts from it instead of running the prompt again."""

    kv: list
    first: object  # float32 tensor [vocab]
    draft: tuple
    draft_logprob: float


class GuidedDecoder:
    """Greedy answers of ``model`` after a shared prompt ``prefix_ids`` and each input's
    own context (the rest of its prompt), that input's draft (its own tokens, ending in an
    end-of-answer token) as the guess."""

    def __init__(self, model, prefix_ids: Sequence[int], stop_ids: Sequence[int], pad_id: int,
                 batch_size: int = 16, match: int = 2, batch_tokens: int = 2048,
                 pass_tokens: Optional[int] = None, copy_id: Optional[int] = None,
                 copy_margin: float = 0.0):
        from mtqa.models.batching import PASS_TOKENS

        import torch

        self.model, self.prefix = model, list(prefix_ids)
        self.stop, self.pad = set(stop_ids), pad_id
        self.batch_size, self.match = batch_size, match
        # A copy needs its token's logit ``copy_margin`` above every other first token's;
        # an input the gate does not copy is decoded with the copy token barred at the
        # first position (its best answer that writes a sentence).
        self.copy_id, self.copy_margin = copy_id, copy_margin
        # Teacher-forced passes are cut by mtqa.models.batching.length_batches.
        self.batch_tokens = batch_tokens
        self.pass_tokens = PASS_TOKENS if pass_tokens is None else pass_tokens
        with torch.inference_mode():
            out = model(input_ids=torch.tensor([self.prefix]), use_cache=True)
        self._prefix_kv = [(k.clone(), v.clone()) for k, v in cache_layers(out.past_key_values)]
        self.forward_passes = 0  # model calls so far (benchmarks read them)
        self.copied = 0  # inputs answered with their own draft
        self._states: Memo[tuple, PromptState] = Memo(self.STATES)

    STATES = 64  # prompt states kept (inputs the model edited, newest last; ~2 MB each)

    def state(self, context: Sequence[int]) -> Optional[PromptState]:
        """The PromptState of an input with this context that the model edited, if kept."""
        return self._states.get(tuple(context))

    def decode(self, contexts: Sequence[Sequence[int]], drafts: Sequence[Sequence[int]],
               max_new: Sequence[int]) -> list[list[int]]:
        """The greedy answer (token ids, stop token included when reached) for each input."""
        from mtqa.models.batching import length_batches

        out: list = [None] * len(drafts)
        todo = list(range(len(drafts)))
        if self.copy_id is not None and self.copy_margin != float("inf"):
            widths = [len(c) for c in contexts]
            for idx in length_batches(widths, self.batch_size, self.batch_tokens, self.pass_tokens):
                for i, gap in zip(idx, self._copy_gaps([list(contexts[i]) for i in idx])):
                    if gap >= self.copy_margin:
                        self.copied += 1
                        out[i] = [self.copy_id][:max_new[i]]
            todo = [i for i in todo if out[i] is None]
        width = [len(contexts[i]) + len(drafts[i]) for i in todo]
        for cut in length_batches(width, self.batch_size, self.batch_tokens, self.pass_tokens):
            idx = [todo[k] for k in cut]
            got = self._batch([list(contexts[i]) for i in idx], [list(drafts[i]) for i in idx],
                              [max_new[i] for i in idx])
            for i, ans in zip(idx, got):
                out[i] = ans
        return out

    def _copy_gaps(self, contexts: list[list[int]]) -> list[float]:
        """How far the copy token's logit is above the best other first answer token's,
        after each prompt (one pass, the output layer at each prompt's last position only)."""
        import torch

        from mtqa.models.lm import kept_logits

        n, width = len(contexts), max(len(c) for c in contexts)
        ids = torch.tensor([c + [self.pad] * (width - len(c)) for c in contexts])
        cache = cache_from([(k.expand(n, -1, -1, -1), v.expand(n, -1, -1, -1)) for k, v in self._prefix_kv])
        keep = torch.zeros(ids.shape, dtype=torch.bool)
        for r, c in enumerate(contexts):
            keep[r, len(c) - 1] = True
        with torch.inference_mode():
            logits = kept_logits(self.model, keep, input_ids=ids, past_key_values=cache, use_cache=True)
        self.forward_passes += 1
        copy = logits[:, self.copy_id]
        others = logits.index_fill(-1, torch.tensor([self.copy_id]), float("-inf"))
        return (copy - others.max(-1).values).tolist()

    def _batch(self, contexts: list[list[int]], drafts: list[list[int]], max_new: list[int]) -> list[list[int]]:
        import torch

        from mtqa.models.lm import kept_logits

        n = len(drafts)
        seqs = [c + d for c, d in zip(contexts, drafts)]
        width = max(len(x) for x in seqs)
        ids = torch.tensor([x + [self.pad] * (width - len(x)) for x in seqs])
        cache = cache_from([(k.expand(n, -1, -1, -1), v.expand(n, -1, -1, -1)) for k, v in self._prefix_kv])
        p = len(self.prefix)
        keep = torch.zeros(ids.shape, dtype=torch.bool)  # where a draft token is guessed
        for r, (c, d) in enumerate(zip(contexts, drafts)):
            keep[r, len(c) - 1:len(c) - 1 + len(d)] = True
        with torch.inference_mode():
            # Right padding: with causal attention no real token sees a pad, so no mask.
            logits = kept_logits(self.model, keep, input_ids=ids, past_key_values=cache, use_cache=True)
        self.forward_passes += 1
        kv = cache_layers(cache)
        answers = []
        logits_rows = logits.split([len(d) for d in drafts])  # row by row, in order
        if self.copy_id is not None:  # the gate did not copy these: bar the copy token
            first = torch.tensor([0] + [len(d) for d in drafts[:-1]]).cumsum(0)
            barred = logits.clone()
            barred[first, self.copy_id] = float("-inf")
            guesses = [x.argmax(-1) for x in barred.split([len(d) for d in drafts])]
        else:
            guesses = [x.argmax(-1) for x in logits_rows]
        for r, (c, d) in enumerate(zip(contexts, drafts)):
            guess = guesses[r].tolist()  # guess[k] follows d[:k]
            m = next((k for k in range(len(d)) if guess[k] != d[k]), len(d))
            if m == len(d):
                self.copied += 1
                answers.append(d[:max_new[r]])
                continue
            lp = torch.log_softmax(logits_rows[r].float(), -1)
            self._states.put(tuple(c), PromptState(
                kv=[(k[r:r + 1, :, :p + len(c)].clone(), v[r:r + 1, :, :p + len(c)].clone()) for k, v in kv],
                first=lp[0].clone(), draft=tuple(d), draft_logprob=float(lp.gather(-1, torch.tensor(d)[:, None]).sum())))
            # disagreement at m: keep d[:m] and the model's own token; continue from there
            row = cache_from(kv, rows=slice(r, r + 1), length=p + len(c) + m)
            answers.append(self._continue(row, d, d[:m] + [guess[m]], m, max_new[r]))
        return answers

    def _continue(self, cache, draft: list[int], out: list[int], pos: int, max_new: int) -> list[int]:
        """Greedy decoding of one answer; ``cache`` covers the prompt and out[:-1]."""
        import torch

        j_min = pos + 1  # the draft position the realignment may resume from
        while out[-1] not in self.stop and len(out) < max_new:
            j = self._realign(draft, out, j_min)
            block = draft[j:] if j is not None else []
            x = torch.tensor([[out[-1]] + block])
            with torch.inference_mode():
                logits = self.model(input_ids=x, past_key_values=cache, use_cache=True).logits[0]
            self.forward_passes += 1
            pred = logits.argmax(-1).tolist()
            a = next((k for k in range(len(block)) if pred[k] != block[k]), len(block))
            if block:
                j_min = j + a + 1
            if a < len(block):
                cache.crop(-(len(block) - a))  # the rejected part of the block
            out += block[:a]
            if a == len(block) and block and block[-1] in self.stop:
                break
            out.append(pred[a])
        return out[:max_new]

    def _realign(self, draft: list[int], out: list[int], j_min: int):
        """The draft position after the first place (at or after j_min) where the draft
        holds the last ``match`` tokens written, if the model's output has caught up with
        the input there; else None."""
        k = self.match
        if len(out) < k:
            return None
        tail = out[-k:]
        for j in range(max(j_min, k), len(draft)):
            if draft[j - k:j] == tail:
                return j
        return None
