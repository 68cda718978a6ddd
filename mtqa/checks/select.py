"""Which finding ids run: ruff-style prefix selection (``--select``/``--ignore``, the
config's ``select``/``ignore``) and opt-in for what is off by default.  One home for every
source of findings - mtqa's rules, LanguageTool's, the source checks, QE001, the model."""
from __future__ import annotations

from typing import Sequence


def selected(rule_id: str, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> bool:
    """ruff-style prefix selection: the longest matching prefix wins."""
    sel = max((len(p) for p in select if rule_id.startswith(p)), default=-1) if select else 0
    ign = max((len(p) for p in ignore if rule_id.startswith(p)), default=-1)
    return sel >= 0 and sel > ign


def enabled(rule_id: str, select: Sequence[str] = (), ignore: Sequence[str] = (),
            opt_in: Sequence[str] = (), default: bool = True) -> bool:
    """Selected, and either on by default or opted in (``opt_in`` prefixes: the config's
    ``opt-in``, ``--opt-in``, or a house-style profile).  Rules whose measured precision
    against human post-edits is no better than chance are off by default."""
    if not selected(rule_id, select, ignore):
        return False
    return default or any(rule_id.startswith(p) for p in opt_in)
