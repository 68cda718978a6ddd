"""The ids that stamp every report and key the result cache: the backends a run would use,
known without starting them (``backend_ids``), and a started Checker's signature
(``signature``): mtqa's version, the rule-set hash and each backend's id."""
from __future__ import annotations

import hashlib
from pathlib import Path

from mtqa import __version__
from mtqa.checks.rules import ruleset_hash
from mtqa.errors import MtqaError
from mtqa.run.settings import Backends


def backend_ids(b: Backends) -> dict:
    """Ids of the backends a run would use, known without starting them (for cache keys):
    LanguageTool's jar version or server URL, the model spec, the QE model's digest."""
    lt = None
    if b.languagetool:
        lt = f"url:{b.lt_url}" if b.lt_url else "local"
        if not b.lt_url:
            try:
                from mtqa.checks.languagetool import find_lt_home

                lt += ":" + (find_lt_home() / "VERSION").read_text(encoding="utf-8").strip()
            except (OSError, MtqaError):
                lt += ":unknown"
        lt += f"|{sorted(b.lt_disabled_rules)}|{sorted(b.lt_disabled_categories)}|{b.lt_picky}"
    qe = None
    if b.qe:
        from mtqa.models.resources import default_qe  # not mtqa.qe.model: numpy, for a path

        p = default_qe()
        p = p / "model.json" if p.is_dir() else p
        qe = hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p.exists() else "missing"
        src = p.parent / "source.json"
        if src.exists():
            qe += "+" + hashlib.sha256(src.read_bytes()).hexdigest()[:12]
    model = None
    if b.model:
        model = b.model_spec or "default"
        if model in ("default", "lora", "tagger") or Path(model).is_dir():  # model files: their bytes are its id
            from mtqa.suggest.backend import model_files

            digest = hashlib.sha256()
            for f in model_files(model):
                digest.update(f.read_bytes())
            model += ":" + digest.hexdigest()[:12]
    return {"languagetool": lt, "model": model, "qe": qe}


def signature(lt, suggester, qe, source_qe: bool = False) -> dict:
    """mtqa version, rule-set hash and the started backends' ids (``lt``, ``suggester``,
    ``qe``: None when off), with ``qe_source`` when the sentence scores used the
    source-aware model."""
    sig = {
        "mtqa": __version__,
        "rules": ruleset_hash(),
        "languagetool": lt.version if lt is not None else None,
        "model": suggester.model_id if suggester is not None else None,
        "qe": qe.model_id if qe is not None else None,
    }
    if source_qe and qe is not None and qe.source_model_id:
        sig["qe_source"] = qe.source_model_id
    return sig
