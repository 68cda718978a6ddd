"""What travels between ``mtqa check --server`` and ``mtqa serve`` besides the text:
the per-document :class:`~mtqa.run.checker.Settings` (computed by the client from *its*
config and flags, so that the server checks exactly what the client would), the prose
regions and inline suppressions of a Markdown/HTML document, and the lossless Report
(:mod:`mtqa.run.serialize`).  Every decoder raises InputError with one line on bad input."""
from __future__ import annotations

from typing import Any, Optional

from mtqa.errors import InputError
from mtqa.run.checker import Settings

_SETTINGS_FIELDS = ("select", "ignore", "severity", "glossary", "lines", "apply_unsafe", "opt_in", "style")


def settings_to_dict(st: Settings) -> dict:
    import dataclasses

    unknown = {f.name for f in dataclasses.fields(st)} - set(_SETTINGS_FIELDS)
    if unknown:  # a newer Settings than this wire format knows: refuse rather than drop
        raise ValueError(f"Settings fields not in the wire format: {sorted(unknown)}")
    return {
        "select": list(st.select),
        "ignore": list(st.ignore),
        "severity": [[p, s] for p, s in st.severity],
        "glossary": [{"term": g.term, "variants": list(g.variants)} for g in st.glossary],
        "lines": st.lines,
        "apply_unsafe": st.apply_unsafe,
        "opt_in": list(st.opt_in),
        "style": st.style,
    }


def _strs(v: Any, what: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(x.strip() for x in v.split(",") if x.strip())
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InputError(f"{what}: expected a list of strings")
    return tuple(v)


def _bool(v: Any, what: str, default: bool = False) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InputError(f"{what}: expected true or false")
    return v


def _opt_str(v: Any, what: str) -> Optional[str]:
    if v is not None and not isinstance(v, str):
        raise InputError(f"{what}: expected a string")
    return v


def settings_from_dict(d: Any) -> Settings:
    from mtqa.checks.glossary import GlossaryEntry
    from mtqa.checks.rules.styles import profile
    from mtqa.types import Severity

    if not isinstance(d, dict):
        raise InputError("settings: expected an object")
    extra = set(d) - set(_SETTINGS_FIELDS)
    if extra:
        raise InputError(f"settings: unknown field(s) {', '.join(sorted(extra))}")
    sev = d.get("severity") or []
    if not isinstance(sev, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in sev
    ):
        raise InputError("settings.severity: expected a list of [prefix, severity] pairs")
    for _, s in sev:
        if s not in {x.value for x in Severity}:
            raise InputError(f"settings.severity: unknown severity {s!r}")
    glossary = d.get("glossary") or []
    if not isinstance(glossary, list):
        raise InputError("settings.glossary: expected a list")
    entries = []
    for g in glossary:
        if not isinstance(g, dict) or not isinstance(g.get("term"), str):
            raise InputError("settings.glossary: every entry needs a string 'term'")
        entries.append(GlossaryEntry(g["term"], _strs(g.get("variants"), "settings.glossary.variants")))
    style = _opt_str(d.get("style"), "settings.style")
    profile(style)  # an unknown profile: InputError
    return Settings(
        select=_strs(d.get("select"), "settings.select"),
        ignore=_strs(d.get("ignore"), "settings.ignore"),
        severity=tuple((p, s) for p, s in sev),
        glossary=tuple(entries),
        lines=_bool(d.get("lines"), "settings.lines"),
        apply_unsafe=_bool(d.get("apply_unsafe"), "settings.apply_unsafe"),
        opt_in=_strs(d.get("opt_in"), "settings.opt_in"),
        style=style,
    )


def regions_to_list(regions) -> Optional[list]:
    return None if regions is None else [[int(s), int(e)] for s, e in regions]


def regions_from_list(v: Any, n: int, what: str = "regions") -> Optional[list[tuple[int, int]]]:
    """Spans of a text of ``n`` characters from JSON (the regions, or the masks)."""
    if v is None:
        return None
    if not isinstance(v, list):
        raise InputError(f"{what}: expected a list of [start, end] pairs")
    out = []
    for r in v:
        if (not isinstance(r, list) or len(r) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in r)
                or not 0 <= r[0] <= r[1] <= n):
            raise InputError(f"{what}: bad span {r!r} for a text of {n} characters")
        out.append((r[0], r[1]))
    return out


def suppressions_to_list(sups) -> list:
    return [{"start": s.start, "end": s.end, "rules": list(s.rules)} for s in sups]


def suppressions_from_list(v: Any, n: int) -> list:
    from mtqa.inputs import Suppression

    if v is None:
        return []
    if not isinstance(v, list):
        raise InputError("suppressions: expected a list")
    out = []
    for s in v:
        if not isinstance(s, dict):
            raise InputError("suppressions: expected objects with start, end, rules")
        a, b = s.get("start"), s.get("end")
        if not (isinstance(a, int) and isinstance(b, int)) or isinstance(a, bool) or isinstance(b, bool) \
                or not 0 <= a <= b <= n:
            raise InputError(f"suppressions: bad span {a!r}..{b!r} for a text of {n} characters")
        out.append(Suppression(a, b, _strs(s.get("rules"), "suppressions.rules")))
    return out
