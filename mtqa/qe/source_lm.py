"""Source-conditioned scoring: how likely a multilingual LM finds the English sentence
as a translation of its Russian source (forced decoding).  Post-editors mostly fix
meaning, which the English side alone cannot show; a sentence the model finds unlikely
*given the source* is more often one they had to change (measured in
benchmarks/results/qe_source.md).

Two passes of the same prompt: with the source, and with the source left blank.  The
blank-source pass says how predictable the English is on its own (names, rare words and
length lower both), so the pair separates "unlikely as a translation of this source" from
"unusual English"; both feed the combination (``models/qe/source.json``), whose weights
were fitted on MLQE-PE ru-en train.

Used by the quality estimator only when a line-aligned ``--source`` is given.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from mtqa.models.batching import length_batches
from mtqa.models.lm import kept_logits

DEFAULT_SOURCE_LM = "gemma3"
PROMPT = "Translate from {lang} to English.\n{lang}: {src}\nEnglish:"
MAX_TOKENS = 256
NAMES = ("src_lp_mean", "nosrc_lp_mean")


def source_logprobs(lm, sources: Sequence[str], sentences: Sequence[str],
                    batch_tokens: int = 2048, lang: str = "Russian") -> list[np.ndarray]:
    """Per-token natural-log probabilities of each English sentence after the prompt
    holding its source (in ``lang``), under the loaded LM ``lm`` (``mtqa.models.lm.LoadedLM``).  The prompt
    and the sentence are tokenized apart, so the sentence's tokens are the same whatever
    the source; sorted by length and batched (``mtqa.models.batching``), right-padded."""
    import torch

    if len(sources) != len(sentences):
        raise ValueError("sources and sentences differ in length")
    tok, model = lm.tokenizer, lm.model
    pre = tok([PROMPT.format(lang=lang, src=" ".join(s.split())) for s in sources], add_special_tokens=True,
              truncation=True, max_length=MAX_TOKENS)["input_ids"]
    cont = tok([" " + " ".join(s.split()) for s in sentences], add_special_tokens=False,
               truncation=True, max_length=MAX_TOKENS)["input_ids"]
    out: list[np.ndarray | None] = [None] * len(sentences)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    # Logits over Gemma's 262k-token vocabulary are 1 MB per position: only the sentence's
    # positions are projected (``mtqa.models.lm.kept_logits``), and batches stay small:
    # 3.7 GB peak RSS for the whole process, model included, on 64 long WMT22 news lines
    # (the full projection was killed at 18 GB).
    for batch in length_batches([len(p) + len(c) for p, c in zip(pre, cont)], batch_tokens, batch_tokens):
        width = len(pre[batch[-1]]) + len(cont[batch[-1]])
        x = torch.full((len(batch), width), pad, dtype=torch.long)
        att = torch.zeros((len(batch), width), dtype=torch.long)
        keep = torch.zeros((len(batch), width), dtype=torch.bool)
        for r, k in enumerate(batch):
            seq = pre[k] + cont[k]
            x[r, : len(seq)] = torch.tensor(seq)
            att[r, : len(seq)] = 1
            keep[r, len(pre[k]) - 1 : len(seq) - 1] = True  # positions that predict the sentence
        xd, attd = x.to(model.device), att.to(model.device)
        with torch.no_grad():
            flat = kept_logits(model, keep, input_ids=xd, attention_mask=attd)  # [kept, vocab]
            tgt = x[:, 1:][keep[:, :-1]].to(flat.device)
            lp = torch.log_softmax(flat.float(), dim=-1).gather(-1, tgt.unsqueeze(-1)).squeeze(-1)
        lp = lp.cpu().numpy().astype(np.float32)
        at = 0
        for k in batch:
            n = len(cont[k])
            out[k] = lp[at : at + n]
            at += n
    return out  # type: ignore[return-value]


def source_features(with_src: Sequence[np.ndarray], without_src: Sequence[np.ndarray]) -> np.ndarray:
    """[n, 2]: mean token log-probability of each sentence with its source and with a blank
    source (0 for an empty sentence, which the caller never scores)."""
    def mean(v: np.ndarray) -> float:
        return float(v.mean()) if len(v) else 0.0

    return np.array([(mean(a), mean(b)) for a, b in zip(with_src, without_src)],
                    dtype=np.float64).reshape(len(with_src), len(NAMES))


def source_pass(lm, sources: Sequence[str], sentences: Sequence[str], lang: str = "Russian") -> np.ndarray:
    """The features of ``source_features`` from both passes of the loaded LM."""
    return source_features(source_logprobs(lm, sources, sentences, lang=lang),
                           source_logprobs(lm, [""] * len(sentences), sentences, lang=lang))
