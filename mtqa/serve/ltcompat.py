"""mtqa findings as LanguageTool's HTTP API answers them (``POST /v2/check``), so that a
LanguageTool client (language_tool_python, editor plug-ins) can use mtqa as its server.

* ``offset``/``length`` are in UTF-16 code units, as LanguageTool (Java) gives them;
* ``rule.id`` is mtqa's own id (CAL001, PAS001, NUM001, ...) or, for what LanguageTool
  itself found, LanguageTool's id without mtqa's ``LT:`` prefix;
* ``rule.category`` and ``rule.issueType`` come from mtqa's category (table below);
* ``context`` is up to 40 characters either side, with ``...`` where it was cut, as
  LanguageTool does; ``sentence`` is the mtqa sentence the match lies in;
* each match also carries an ``mtqa`` object: severity, origin, safe, confidence, rule_id.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from typing import Any, Optional, Sequence

from mtqa import __version__
from mtqa.errors import InputError
from mtqa.checks.languagetool.backend import Utf16Index
from mtqa.types import Category, Finding, Origin, Report

C = Category
# mtqa category -> (LanguageTool category id, name, issue type)
CATEGORIES = {
    C.SPELLING: ("TYPOS", "Possible Typo", "misspelling"),
    C.GRAMMAR: ("GRAMMAR", "Grammar", "grammar"),
    C.PUNCTUATION: ("PUNCTUATION", "Punctuation", "typographical"),
    C.STYLE: ("STYLE", "Style", "style"),
    C.LOCALE: ("MTQA_LOCALE", "Numbers, currency and dates", "locale-violation"),
    C.CALQUE: ("MTQA_CALQUE", "Calques (translationese)", "mistranslation"),
    C.UNTRANSLATED: ("MTQA_UNTRANSLATED", "Untranslated", "untranslated"),
    C.ACCURACY: ("MTQA_ACCURACY", "Accuracy against the source", "mistranslation"),
    C.FLUENCY: ("MTQA_FLUENCY", "Fluency (quality estimate)", "style"),
}
CONTEXT_CHARS = 40

# What /v2/languages lists: mtqa checks English.
LANGUAGES = [
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
    {"name": "English (Australian)", "code": "en", "longCode": "en-AU"},
    {"name": "English (Canadian)", "code": "en", "longCode": "en-CA"},
    {"name": "English (New Zealand)", "code": "en", "longCode": "en-NZ"},
    {"name": "English (South African)", "code": "en", "longCode": "en-ZA"},
]
_NAMES = {x["longCode"]: x["name"] for x in LANGUAGES}


def language(code: Optional[str]) -> tuple[str, str]:
    """(code, name) of a request's ``language``; InputError for what mtqa cannot check."""
    if not code:
        raise InputError("Missing 'language' parameter, e.g. 'language=en-US'")
    c = code.strip()
    if c.lower() == "auto":
        return "en-US", _NAMES["en-US"]
    for known in _NAMES:
        if c.lower() == known.lower():
            return known, _NAMES[known]
    raise InputError(f"'{c}' is not a language mtqa checks: it checks English "
                     f"({', '.join(_NAMES)}, or auto)")


def mtqa_ids(ids: Sequence[str]) -> list[str]:
    """LanguageTool-style rule ids to mtqa ids: mtqa's own stay, anything else is a
    LanguageTool id and gets ``LT:``."""
    from mtqa.checks.rules import OPEN_FAMILIES, OTHER_IDS, all_rules

    known = {r.id for r in all_rules()} | set(OTHER_IDS)
    out = []
    for r in ids:
        r = r.strip()
        if not r:
            continue
        out.append(r if r.startswith(OPEN_FAMILIES) or r in known else "LT:" + r)
    return out


def annotated_text(data: Any) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """LanguageTool's ``data`` parameter ({"annotation": [{"text": ...}, {"markup": ...,
    "interpretAs": ...}]}): the whole string (offsets are into it, as LanguageTool's are),
    the spans that are text, and the markup inside them (masked: never checked, and a
    sentence runs on across it).  Markup that LanguageTool is told to read as a line break
    (``interpretAs`` with a newline, as for ``</p>``) ends a span."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InputError(f"'data' is not JSON: {exc}") from None
    items = data.get("annotation") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError("'data' must be a JSON object with an 'annotation' list")
    parts, regions, masks, pos = [], [], [], 0
    join_from = None  # where the inline markup after the last text began
    for it in items:
        if not isinstance(it, dict) or not any(isinstance(it.get(k), str) for k in ("text", "markup")):
            raise InputError("every 'annotation' item needs a 'text' or a 'markup' string")
        if isinstance(it.get("text"), str):
            t = it["text"]
            if regions and regions[-1][1] == pos:
                regions[-1] = (regions[-1][0], pos + len(t))
            elif regions and join_from is not None and t:
                masks.append((join_from, pos))
                regions[-1] = (regions[-1][0], pos + len(t))
            else:
                regions.append((pos, pos + len(t)))
            join_from = pos + len(t)
        else:
            t = it["markup"]
            if "\n" in str(it.get("interpretAs") or ""):
                join_from = None
        parts.append(t)
        pos += len(t)
    return "".join(parts), regions, masks


def _context(text: str, start: int, end: int, index: Utf16Index) -> dict:
    a = max(0, start - CONTEXT_CHARS)
    b = min(len(text), end + CONTEXT_CHARS)
    pre = "..." if a > 0 else ""
    post = "..." if b < len(text) else ""
    window = text[a:b].replace("\r", " ").replace("\n", " ")
    ctx_text = pre + window + post
    sub = Utf16Index(ctx_text)
    off_cp = len(pre) + (start - a)
    off = sub.to_utf16(off_cp)
    return {"text": ctx_text, "offset": off, "length": sub.to_utf16(off_cp + (end - start)) - off}


def _rule(f: Finding) -> dict:
    from mtqa.checks.rules import get_rule

    cat_id, cat_name, issue = CATEGORIES.get(f.category, ("MISC", "Miscellaneous", "other"))
    if f.rule_id.startswith("LT:"):
        rid, desc = f.rule_id[3:], f.message
    else:
        rule = get_rule(f.rule_id)
        rid, desc = f.rule_id, (rule.summary if rule is not None else f.message)
    return {"id": rid, "description": desc, "issueType": issue,
            "category": {"id": cat_id, "name": cat_name}}


def match(f: Finding, rep: Report, index: Utf16Index, starts: list[int]) -> dict:
    from mtqa.checks.rules import get_rule

    text = rep.text
    off = index.to_utf16(f.start)
    length = index.to_utf16(f.end) - off
    k = bisect_right(starts, f.start) - 1
    sentence = rep.sentences[k].segment.text if k >= 0 and rep.sentences else ""
    rule = get_rule(f.rule_id) if not f.rule_id.startswith("LT:") else None
    return {
        "message": f.message,
        "shortMessage": rule.name if rule is not None else "",
        "replacements": [{"value": r} for r in f.replacements],
        "offset": off,
        "length": length,
        "context": _context(text, f.start, f.end, index),
        "sentence": sentence,
        "type": {"typeName": "Hint" if f.origin == Origin.MODEL else "Other"},
        "rule": _rule(f),
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
        "mtqa": {"rule_id": f.rule_id, "severity": f.severity.value, "origin": f.origin.value,
                 "safe": f.safe, "confidence": round(f.confidence, 3)},
    }


def response(rep: Report, lang: tuple[str, str], lt_version: Optional[str]) -> dict:
    code, name = lang
    index = Utf16Index(rep.text)
    starts = [s.segment.start for s in rep.sentences]
    return {
        "software": {"name": "mtqa", "version": __version__, "buildDate": None, "apiVersion": 1,
                     "premium": False, "status": "", "languagetool": lt_version},
        "warnings": {"incompleteResults": False},
        "language": {"name": name, "code": code,
                     "detectedLanguage": {"name": name, "code": code, "confidence": 1.0}},
        "matches": [match(f, rep, index, starts) for f in rep.findings],
        "mtqa": {"score": rep.score, "words": rep.words, "signature": dict(rep.signature)},
    }


def configinfo(lang: tuple[str, str], max_chars: int) -> dict:
    code, name = lang
    return {
        "software": {"name": "mtqa", "version": __version__, "buildDate": None, "apiVersion": 1,
                     "premium": False, "status": ""},
        "language": {"name": name, "code": code},
        "parameter": {"maxTextLength": max_chars, "maxCheckTimeMillis": -1, "requestLimit": 0,
                      "requestLimitInBytes": 0, "requestLimitPeriodInSeconds": 0},
        "rules": [],
    }
