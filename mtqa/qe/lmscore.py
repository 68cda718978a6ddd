"""Token log-probabilities of sentences under a causal LM (SmolLM2 by default).

Every sentence is scored on its own, after the ``<|endoftext|>`` document separator, so
its first token is scored too.  Returns, per sentence, the natural-log probability of
each token and the token's (start, end) str offsets into the sentence.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mtqa.models.batching import length_batches
from mtqa.models.thread import pace

# Longer inputs are cut: a sentence that long is scored on its first tokens only.
MAX_TOKENS = 256


@dataclass(frozen=True)
class TokenScores:
    logprobs: np.ndarray  # float32 [n_tokens]
    offsets: np.ndarray  # int32 [n_tokens, 2], str offsets into the sentence
    # With ``lm_pass(..., state_layers=...)``: float16 [n_tokens + 1, len(layers) * d], the
    # hidden states of those layers at the separator (row 0) and at each token (row k + 1
    # has read tokens 0..k): what the edit tagger (mtqa.suggest.tagger) reads.
    states: np.ndarray | None = None


def prefix_id(tok) -> int:
    """The token every sentence is scored after: SmolLM2 separates pre-training documents
    with <|endoftext|> (id 0); other tokenizers fall back to BOS or EOS."""
    tid = tok.convert_tokens_to_ids("<|endoftext|>")
    if tid is None or tid == tok.unk_token_id:
        tid = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    return int(tid)


def str_offsets(text: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A tokenizer's (start, end) offsets for ``text``, clipped to the text: str offsets
    that index it safely."""
    return [(max(0, min(s, len(text))), max(0, min(e, len(text)))) for s, e in offsets]


# At most this many padded tokens per forward pass: small enough that a pass stays a few
# hundred MB (the LM head is applied to the real positions only, in chunks), large enough
# for efficient matrix products on a CPU: on 2 cores, 2048 ran 1.4x faster than one
# 8192-token batch per length band, and 128 ran 2x slower (benchmarks/results/qe_speed.md).
# Within it, mtqa.models.batching cuts the length-sorted sentences where padding would
# cost more than another pass (one article's sentences padded to its longest computed
# 1.9x their tokens).
BATCH_TOKENS = 2048
HEAD_ROWS = 1024  # positions projected onto the vocabulary at once: 1024 x 49k floats = 200 MB


def token_logprobs(lm, sentences: Sequence[str], batch_tokens: int = BATCH_TOKENS) -> list[TokenScores]:
    """Score ``sentences`` with a loaded LM (``mtqa.models.lm.LoadedLM``), batched by length."""
    return lm_pass(lm, sentences, batch_tokens)[0]


def _target_logprobs(lm, h, tgt):
    """log p(tgt) from final hidden states ``h`` [n, d] of the positions that predict
    ``tgt`` [n]: the LM head and a log-sum-exp, a chunk of positions at a time (no
    [n, vocab] log-softmax kept).  With ``lm.shortlist`` K (``mtqa.models.lm.cheap_copy``)
    the sum runs over the first K ids and the target: the target's logit is its own
    embedding row's product with ``h``."""
    import torch

    model = lm.model
    full = model.get_output_embeddings()
    k = getattr(lm, "shortlist", 0)
    head = lm.head if k else full
    cap = getattr(model.config, "final_logit_softcapping", None)
    out = []
    for a in range(0, h.shape[0], HEAD_ROWS):
        hh, t = h[a : a + HEAD_ROWS], tgt[a : a + HEAD_ROWS]
        logits = head(hh).float()
        if cap:
            logits = torch.tanh(logits / cap) * cap
        if not k:
            out.append(logits.gather(-1, t.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1))
            continue
        inside = t < k
        zt = (hh.float() * full.weight[t].float()).sum(-1)
        if cap:
            zt = torch.tanh(zt / cap) * cap
        zt = torch.where(inside, logits.gather(-1, t.clamp(max=k - 1).unsqueeze(-1)).squeeze(-1), zt)
        extra = torch.where(inside, torch.full_like(zt, float("-inf")), zt)
        out.append(zt - torch.logsumexp(torch.cat([logits, extra.unsqueeze(-1)], -1), dim=-1))
    return torch.cat(out) if out else h.new_zeros(0)


@contextlib.contextmanager
def _paced_layers(base):
    """Each decoder layer of ``base`` starts with ``pace()``: the pass takes both cores back
    as soon as the work beside it ends, not at its next batch (an article's sentences are
    often one batch; the rest of it ran on one thread while the other core idled)."""
    hooks = [layer.register_forward_pre_hook(lambda *_: pace()) for layer in getattr(base, "layers", ())]
    try:
        yield
    finally:
        for h in hooks:
            h.remove()


def lm_pass(
    lm, sentences: Sequence[str], batch_tokens: int = BATCH_TOKENS, pool_layers: Sequence[int] = (),
    state_layers: Sequence[int] = (),
) -> tuple[list[TokenScores], np.ndarray | None]:
    """Token scores, plus (when ``pool_layers`` is given) the mean over the sentence's
    tokens of those layers' hidden states, concatenated: float32 [n, len(layers) * d].
    ``state_layers`` keeps those layers' states at every position (``TokenScores.states``;
    -1 is the final, normed layer the LM head reads).

    One forward pass per batch of length-sorted, right-padded sentences
    (``mtqa.models.batching.length_batches``; causal
    attention: a sentence's positions never see its padding, so batching changes its
    numbers by float rounding only).  Only small per-sentence arrays outlive a batch."""
    import torch

    tok, model = lm.tokenizer, lm.model
    enc = tok(list(sentences), add_special_tokens=False, return_offsets_mapping=True,
              truncation=True, max_length=MAX_TOKENS)
    ids = enc["input_ids"]
    offs = enc["offset_mapping"]
    pre = prefix_id(tok)
    base = model.base_model  # the decoder without the LM head
    out: list[TokenScores | None] = [None] * len(sentences)
    pooled: np.ndarray | None = None
    for batch in length_batches([len(x) + 1 for x in ids], batch_tokens, batch_tokens):
        pace()  # a core left to the rest of the check while it runs beside this pass
        width = len(ids[batch[-1]]) + 1
        x = torch.full((len(batch), width), pre, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, k in enumerate(batch):
            n = len(ids[k])
            x[r, 1 : n + 1] = torch.tensor(ids[k], dtype=torch.long)
            mask[r, : n + 1] = 1
        x, mask = x.to(lm.device), mask.to(lm.device)
        with torch.inference_mode(), _paced_layers(base):
            # use_cache=False: no key/value cache is built (each layer's keys copied into it)
            res = base(input_ids=x, attention_mask=mask, output_hidden_states=bool(pool_layers or state_layers),
                       use_cache=False)
            # positions 0..n-1 of a row predict its tokens 1..n (row-major: sentence by sentence)
            keep = mask[:, 1:].bool()
            lp = _target_logprobs(lm, res.last_hidden_state[:, :-1][keep], x[:, 1:][keep])
            if pool_layers:
                # mean over the sentence's own tokens (the separator and padding left out)
                m = mask.clone()
                m[:, 0] = 0
                m = m.unsqueeze(-1).float()
                den = m.sum(1).clamp(min=1)
                vec = torch.cat([(res.hidden_states[L].float() * m).sum(1) / den for L in pool_layers], -1)
                vec = vec.cpu().numpy()
                if pooled is None:
                    pooled = np.zeros((len(sentences), vec.shape[1]), dtype=np.float32)
                pooled[batch] = vec
            states = None
            if state_layers:
                states = torch.cat([(res.last_hidden_state if L == -1 else res.hidden_states[L]).to(torch.float16)
                                    for L in state_layers], -1).cpu().numpy()
            del res
        lp = lp.cpu().numpy().astype(np.float32)
        at = 0
        for r, k in enumerate(batch):
            n = len(ids[k])
            o = np.asarray(str_offsets(sentences[k], offs[k]), dtype=np.int32).reshape(-1, 2)
            st = states[r, : n + 1].copy() if states is not None else None
            out[k] = TokenScores(logprobs=lp[at : at + n].copy(), offsets=o, states=st)
            at += n
    return out, pooled  # type: ignore[return-value]
