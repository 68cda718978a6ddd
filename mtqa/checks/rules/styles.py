"""House-style profiles.  Some fixes are matters of a publication's style, not errors:
numerals for "160 thousand", "$" for "USD", an en dash for a spaced hyphen, curly quotes.
mtqa reports such findings, but applies their fixes only under a named profile
(``style = "ap"`` in the config, ``--style ap``), which also turns on the style-only
checks that are off by default.  Without a profile, `mtqa fix` applies only fixes that
correct an error.  `mtqa rules` marks the style rules.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional, Sequence

from mtqa.errors import InputError
from mtqa.types import Finding


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rules: tuple[str, ...]  # rule-id prefixes: turned on, and their fixes applied


PROFILES = {
    "ap": Profile(
        "ap",
        "Associated Press news style: numerals with a comma for thousands (160,000), the "
        "currency symbol before the amount ($20 billion), a dash for a spaced hyphen, "
        "typographic quotes and dashes as LanguageTool proposes them, American spelling, "
        "a comma after the year of a month-day-year date.",
        ("NUM002", "NUM003", "PUN002", "LT:EN_QUOTES", "LT:DASH_RULE", "LT:EN_DASH_RULE",
         "LT:HYPHEN_TO_EN", "LT:MORFOLOGIK_RULE_EN_US_BRITISH", "LT:MISSING_COMMA_AFTER_YEAR"),
    ),
}


def profile(name: Optional[str]) -> Optional[Profile]:
    if name is None:
        return None
    if name not in PROFILES:
        raise InputError(f"unknown style profile {name!r} (known: {', '.join(sorted(PROFILES))})")
    return PROFILES[name]


def profile_prefixes(name: Optional[str]) -> tuple[str, ...]:
    p = profile(name)
    return p.rules if p else ()


def is_style(rule_id: str) -> bool:
    """Whether the rule's fixes are house style: a rule marked ``style``, or a rule any
    profile lists."""
    from mtqa.checks.rules import get_rule

    r = get_rule(rule_id) if not rule_id.startswith("LT:") else None
    if r is not None and r.style:
        return True
    return any(rule_id.startswith(p) for prof in PROFILES.values() for p in prof.rules)


def demote_style(findings: Sequence[Finding], style: Optional[str]) -> list[Finding]:
    """Style findings outside the active profile become suggestions (``safe=False``)."""
    active = profile_prefixes(style)
    out = []
    for f in findings:
        if f.safe and is_style(f.rule_id) and not any(f.rule_id.startswith(p) for p in active):
            f = dataclasses.replace(f, safe=False)
        out.append(f)
    return out
