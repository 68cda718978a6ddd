"""Which LanguageTool rules mtqa reports by default.  LanguageTool's English rules were
scored one by one against human post-edits (``benchmarks/flag_precision.py`` on MLQE-PE
ru-en train word tags; the table is in BENCHMARKS.md): the rules listed in ``DEFAULT_OFF``
were right no more often than a random word (the base rate), and are not errors by
definition, so they run only when opted in (``opt-in = ["LT:RULE_ID"]``, ``--opt-in LT``
for all of them).  Spelling findings are kept, minus those on names (``mtqa.names``)."""
from __future__ import annotations

from typing import Sequence

from mtqa.rules import enabled

DEFAULT_OFF: frozenset[str] = frozenset()


def lt_enabled(rule_id: str, select: Sequence[str] = (), ignore: Sequence[str] = (),
               opt_in: Sequence[str] = ()) -> bool:
    return enabled(rule_id, select, ignore, opt_in, default=rule_id.removeprefix("LT:") not in DEFAULT_OFF)
