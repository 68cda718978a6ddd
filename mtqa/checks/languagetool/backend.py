"""LanguageTool as an mtqa backend: LanguageTool matches become :class:`mtqa.types.Finding`.

The client is ``language_tool_python`` (3.4) in remote-server mode, pointed at a server
URL (a local :class:`~mtqa.checks.languagetool.server.LanguageToolServer`, ``--lt-url`` or
``$MTQA_LT_URL``).

Offsets
    LanguageTool is Java: it reports ``offset`` and ``length`` in UTF-16 code units, so
    every astral character (emoji, U+1F600...) counts 2.  mtqa's offsets are Python ``str``
    offsets (code points).  language_tool_python 3.4's ``Match`` already converts
    ``offset`` (it subtracts the astral characters before it) but leaves ``error_length``
    in UTF-16 units.  Which of the two it converts is probed once, on a synthetic Match,
    rather than assumed from the version; the rest is converted here, exactly once, from
    the UTF-16 positions.  Combining marks ("e\\u0301"), CRLF line ends and U+00A0 are
    single UTF-16 units like single code points and need nothing.

Rule ids
    ``"LT:" + LanguageTool's rule id``, e.g. ``LT:MORFOLOGIK_RULE_EN_US``.  Disabled rules
    may be given with or without the ``LT:`` prefix.

Category (from LanguageTool's category id; unknown ids fall back on the issue type)

    ==========================================================  ===============
    LanguageTool category                                       mtqa category
    ==========================================================  ===============
    TYPOS, MULTITOKEN_SPELLING                                  spelling
    GRAMMAR, CASING, COLLOCATIONS, CONFUSED_WORDS, COMPOUNDING, grammar
    NONSTANDARD_PHRASES, SEMANTICS, PROPER_NOUNS, REPETITIONS
    PUNCTUATION, TYPOGRAPHY                                     punctuation
    STYLE, REDUNDANCY, REPETITIONS_STYLE, PLAIN_ENGLISH,        style
    WIKIPEDIA, GENDER_NEUTRALITY, COLLOQUIALISMS, AI_RULES,
    CREATIVE_WRITING, TEXT_ANALYSIS, TON_ACADEMIC, APRIL,
    AMERICAN_ENGLISH_STYLE
    BRITISH_ENGLISH, AMERICAN_ENGLISH, REGIONALISMS,            locale
    BRE_STYLE_OXFORD_SPELLING
    FALSE_FRIENDS, MISUSED_TERMS_EU_PUBLICATIONS                calque
    MISC and anything else: by issue type -- misspelling ->     (see left)
    spelling; grammar, duplication, inconsistency -> grammar;
    typographical, whitespace, formatting, characters ->
    punctuation; locale-violation, numbers -> locale;
    terminology, mistranslation -> calque; untranslated ->
    untranslated; the rest -> style
    rule EN_A_VS_AN (category MISC, issue type misspelling)     grammar
    ==========================================================  ===============

Severity
    major: spelling, grammar, calque and untranslated findings (misspellings and grammar
    errors), except CASING and COMPOUNDING (minor: capitalisation and hyphenation) and any
    finding whose issue type is style, register, typographical or whitespace (minor).
    minor: punctuation/typography, style and locale findings.

Safe fixes (``safe=True``: ``mtqa fix`` applies ``replacements[0]`` by default)
    Only when LanguageTool gives exactly one replacement, and either

    * the rule is on the allow-list of reliable rules (:data:`SAFE_RULES`: EN_A_VS_AN,
      DOUBLE_PUNCTUATION, WHITESPACE_RULE, COMMA_PARENTHESIS_WHITESPACE,
      ENGLISH_WORD_REPEAT_RULE, ...), or
    * the finding is punctuation/typography/whitespace (by category or issue type) and
      the edit touches punctuation and spaces only: the letters, digits, apostrophes and
      hyphens of the flagged text and of the replacement are the same, and the replacement brings in no
      typographic character (curly quotes, dashes, ellipsis) the text did not have --
      quote, dash and bracket conventions are house style, not errors, and so are
      optional commas (:data:`NEVER_SAFE_RULES`).

    Spelling suggestions are never safe: they mangle names and transliterations.

Confidence
    0.95 allow-listed safe rule; 0.9 other safe fix; 0.75 one replacement; 0.6 several
    replacements; 0.5 no replacement; spelling 0.5 with one suggestion, 0.35 with several.

Long texts
    Texts longer than ``max_chars`` UTF-16 units (20,000 by default, LanguageTool's public
    API limit, lowered to the server's own ``maxTextLength`` when that is smaller) are cut
    at paragraph boundaries (blank lines; then line ends, sentence ends, spaces for an
    overlong paragraph), checked piece by piece, and the offsets shifted back.

Errors
    Any HTTP or connection failure, or an answer that is not a LanguageTool answer, raises
    :class:`mtqa.errors.ToolError` with a one-line message; a failure is never an empty
    result.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from typing import Iterable, Optional, Sequence
from urllib.parse import quote, urlsplit

from mtqa.errors import ToolError
from mtqa.checks.languagetool.server import http_json, one_line
from mtqa.types import Category, Finding, Origin, Severity

C = Category

CATEGORY_BY_LT_CATEGORY: dict[str, Category] = {
    "TYPOS": C.SPELLING,
    "MULTITOKEN_SPELLING": C.SPELLING,
    "GRAMMAR": C.GRAMMAR,
    "CASING": C.GRAMMAR,
    "COLLOCATIONS": C.GRAMMAR,
    "CONFUSED_WORDS": C.GRAMMAR,
    "COMPOUNDING": C.GRAMMAR,
    "NONSTANDARD_PHRASES": C.GRAMMAR,
    "SEMANTICS": C.GRAMMAR,
    "PROPER_NOUNS": C.GRAMMAR,
    "REPETITIONS": C.GRAMMAR,
    "PUNCTUATION": C.PUNCTUATION,
    "TYPOGRAPHY": C.PUNCTUATION,
    "STYLE": C.STYLE,
    "REDUNDANCY": C.STYLE,
    "REPETITIONS_STYLE": C.STYLE,
    "PLAIN_ENGLISH": C.STYLE,
    "WIKIPEDIA": C.STYLE,
    "GENDER_NEUTRALITY": C.STYLE,
    "COLLOQUIALISMS": C.STYLE,
    "AI_RULES": C.STYLE,
    "CREATIVE_WRITING": C.STYLE,
    "TEXT_ANALYSIS": C.STYLE,
    "TON_ACADEMIC": C.STYLE,
    "APRIL": C.STYLE,
    "AMERICAN_ENGLISH_STYLE": C.STYLE,
    "BRITISH_ENGLISH": C.LOCALE,
    "AMERICAN_ENGLISH": C.LOCALE,
    "REGIONALISMS": C.LOCALE,
    "BRE_STYLE_OXFORD_SPELLING": C.LOCALE,
    "FALSE_FRIENDS": C.CALQUE,
    "MISUSED_TERMS_EU_PUBLICATIONS": C.CALQUE,
}

CATEGORY_BY_ISSUE_TYPE: dict[str, Category] = {
    "misspelling": C.SPELLING,
    "grammar": C.GRAMMAR,
    "duplication": C.GRAMMAR,
    "inconsistency": C.GRAMMAR,
    "typographical": C.PUNCTUATION,
    "whitespace": C.PUNCTUATION,
    "formatting": C.PUNCTUATION,
    "characters": C.PUNCTUATION,
    "locale-violation": C.LOCALE,
    "locale-specific-content": C.LOCALE,
    "numbers": C.LOCALE,
    "terminology": C.CALQUE,
    "mistranslation": C.CALQUE,
    "untranslated": C.UNTRANSLATED,
}

CATEGORY_BY_RULE: dict[str, Category] = {"EN_A_VS_AN": C.GRAMMAR}

MAJOR_CATEGORIES = frozenset({C.SPELLING, C.GRAMMAR, C.CALQUE, C.UNTRANSLATED})
MINOR_LT_CATEGORIES = frozenset({"CASING", "COMPOUNDING"})
MINOR_ISSUE_TYPES = frozenset({"style", "register", "typographical", "whitespace"})

SAFE_RULES = frozenset(
    {
        "EN_A_VS_AN",
        "DOUBLE_PUNCTUATION",
        "WHITESPACE_RULE",
        "COMMA_PARENTHESIS_WHITESPACE",
        "ENGLISH_WORD_REPEAT_RULE",
        "SENTENCE_WHITESPACE",
    }
)
NEVER_SAFE_RULES = frozenset(
    {
        "EN_QUOTES",
        "EN_UNPAIRED_QUOTES",
        "EN_UNPAIRED_BRACKETS",
        "GERMAN_QUOTES",
        "APOSTROPHE_VS_QUOTE",
        "DASH_RULE",
        "EN_DASH_RULE",
        "PUNCTUATION_PARAGRAPH_END",
        "PUNCTUATION_PARAGRAPH_END2",
        # Optional commas (before a coordinating conjunction, after an introductory
        # phrase): style, not errors.  On MLQE-PE ru-en train (3000 lines), of the 25
        # such commas LanguageTool proposed, 20 took the sentence further from the human
        # post-edit, 4 left it as far, 1 brought it closer
        # (benchmarks/results/rules_mlqe_train.md).
        "COMMA_COMPOUND_SENTENCE",
        "COMMA_COMPOUND_SENTENCE_2",
        "PRP_COMMA",
    }
)
_PUNCT_ISSUE_TYPES = frozenset({"typographical", "whitespace"})
_TYPOGRAPHIC_CHARS = frozenset("\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2013\u2014\u2026\u00ab\u00bb\u2039\u203a")

DEFAULT_MAX_CHARS = 20_000
DEFAULT_TIMEOUT = 30.0  # seconds per check request (languagetool.timeout in the config)
MAX_REPLACEMENTS = 5

# language_tool_python's Match keeps class-level state (the last text and its astral
# positions); checks through it are serialised so that threads cannot mix them up.
_CHECK_LOCK = threading.Lock()


# --- offsets --------------------------------------------------------------------------


def _lib_converts_offsets() -> tuple[bool, bool]:
    """Whether language_tool_python's Match converts (offset, length) to code points."""
    from language_tool_python.match import Match

    text = "\U0001F600\U0001F600 x\U0001F600y"  # "x😀y" is at UTF-16 5..9, code points 3..6
    attrib = {
        "message": "m",
        "replacements": [],
        "offset": 5,
        "length": 4,
        "context": {"text": text, "offset": 5, "length": 4},
        "sentence": text,
        "rule": {"id": "PROBE", "issueType": "other", "category": {"id": "MISC"}},
    }
    with _CHECK_LOCK:
        saved = (Match.PREVIOUS_MATCHES_TEXT, Match.FOUR_BYTES_POSITIONS) if hasattr(
            Match, "FOUR_BYTES_POSITIONS"
        ) else None
        try:
            m = Match(attrib, text)
        finally:
            if saved is not None:
                Match.PREVIOUS_MATCHES_TEXT, Match.FOUR_BYTES_POSITIONS = saved
    if m.offset not in (3, 5) or m.error_length not in (3, 4):
        raise ToolError(
            f"language_tool_python's Match gives offset {m.offset}, length {m.error_length} "
            "for a known case: unsupported version (pin language-tool-python==3.4.0)"
        )
    return m.offset == 3, m.error_length == 3


_CONVERTS: Optional[tuple[bool, bool]] = None


def lib_converts_offsets() -> tuple[bool, bool]:
    global _CONVERTS
    if _CONVERTS is None:
        _CONVERTS = _lib_converts_offsets()
    return _CONVERTS


class Utf16Index:
    """Maps between Python code-point offsets and Java UTF-16 offsets in one text."""

    def __init__(self, text: str) -> None:
        # code-point positions of astral characters; each adds one UTF-16 unit after it
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._u16 = [i + k for k, i in enumerate(self._astral)]  # their UTF-16 positions
        self.length = len(text) + len(self._astral)  # UTF-16 length

    def to_utf16(self, cp: int) -> int:
        return cp + bisect_right(self._astral, cp - 1)

    def to_cp(self, u16: int) -> int:
        """Code-point offset of a UTF-16 offset (one inside a surrogate pair rounds up)."""
        k = bisect_right(self._u16, u16 - 1)  # astral characters starting before u16
        if k and self._u16[k - 1] == u16 - 1:  # u16 points between two surrogates
            return u16 - k + 1
        return u16 - k


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


# --- splitting long texts -------------------------------------------------------------

_BREAKS = (
    re.compile(r"\n[ \t\u00a0]*(?:\r?\n)+|\r\n(?:[ \t]*\r\n)+"),  # blank lines
    re.compile(r"\r?\n"),  # line ends
    re.compile(r"(?<=[.!?])\s+"),  # sentence ends
    re.compile(r"\s+"),  # spaces
)


def split_text(text: str, max_units: int) -> list[tuple[int, str]]:
    """Cut ``text`` into (offset, piece) pieces of at most ``max_units`` UTF-16 units,
    preferring paragraph boundaries; the pieces concatenate back to ``text``."""
    if utf16_len(text) <= max_units:
        return [(0, text)]
    return list(_split(text, 0, max_units, 0))


def _split(text: str, base: int, max_units: int, level: int) -> Iterable[tuple[int, str]]:
    if utf16_len(text) <= max_units:
        yield base, text
        return
    if level >= len(_BREAKS):  # no break at all: a hard cut, never inside a surrogate pair
        start = 0
        while start < len(text):
            end, units = start, 0
            while end < len(text) and units + (2 if ord(text[end]) > 0xFFFF else 1) <= max_units:
                units += 2 if ord(text[end]) > 0xFFFF else 1
                end += 1
            end = max(end, start + 1)
            yield base + start, text[start:end]
            start = end
        return
    # units: text between cut points, each ending with its separator
    cuts = [m.end() for m in _BREAKS[level].finditer(text) if 0 < m.end() < len(text)]
    bounds = [0, *cuts, len(text)]
    pieces = [(bounds[i], text[bounds[i] : bounds[i + 1]]) for i in range(len(bounds) - 1)]
    chunk_start, chunk_units, chunk_end = 0, 0, 0
    for off, piece in pieces:
        u = utf16_len(piece)
        if chunk_end > chunk_start and chunk_units + u > max_units:
            yield from _split(text[chunk_start:chunk_end], base + chunk_start, max_units, level + 1)
            chunk_start, chunk_units = off, 0
        chunk_units += u
        chunk_end = off + len(piece)
    if chunk_end > chunk_start:
        yield from _split(text[chunk_start:chunk_end], base + chunk_start, max_units, level + 1)


# --- mapping --------------------------------------------------------------------------


def map_category(lt_category: str, issue_type: str, rule_id: str) -> Category:
    if rule_id in CATEGORY_BY_RULE:
        return CATEGORY_BY_RULE[rule_id]
    if lt_category in CATEGORY_BY_LT_CATEGORY:
        return CATEGORY_BY_LT_CATEGORY[lt_category]
    return CATEGORY_BY_ISSUE_TYPE.get(issue_type, C.STYLE)


def map_severity(category: Category, lt_category: str, issue_type: str) -> Severity:
    if category not in MAJOR_CATEGORIES:
        return Severity.MINOR
    if lt_category in MINOR_LT_CATEGORIES or issue_type in MINOR_ISSUE_TYPES:
        return Severity.MINOR
    return Severity.MAJOR


def _alnum(s: str) -> str:
    """The letters and digits of ``s``, with apostrophes and hyphens (its/it's differ)."""
    return "".join(ch for ch in s if ch.isalnum() or ch in "'\u2019-\u2010\u2011")


def is_safe(
    rule_id: str,
    category: Category,
    issue_type: str,
    flagged: str,
    replacements: Sequence[str],
) -> bool:
    if len(replacements) != 1 or category == C.SPELLING or rule_id in NEVER_SAFE_RULES:
        return False
    if rule_id in SAFE_RULES:
        return True
    if category != C.PUNCTUATION and issue_type not in _PUNCT_ISSUE_TYPES:
        return False
    rep = replacements[0]
    if _alnum(unicodedata.normalize("NFC", flagged)) != _alnum(unicodedata.normalize("NFC", rep)):
        return False
    return not any(ch in _TYPOGRAPHIC_CHARS and ch not in flagged for ch in rep)


def confidence_for(rule_id: str, category: Category, safe: bool, n_replacements: int) -> float:
    if safe:
        return 0.95 if rule_id in SAFE_RULES else 0.9
    if category == C.SPELLING:
        return 0.5 if n_replacements == 1 else 0.35
    if n_replacements == 1:
        return 0.75
    if n_replacements > 1:
        return 0.6
    return 0.5


# --- the backend ----------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """``host:port``, ``http://host:port/`` or ``.../v2`` -> ``http://host:port`` (no /v2)."""
    u = url.strip()
    if "://" not in u:
        u = "http://" + u
    u = u.rstrip("/")
    if u.endswith("/v2"):
        u = u[: -len("/v2")]
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ToolError(f"not a LanguageTool server URL: {url!r} (expected http://HOST:PORT)")
    return u


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


class LanguageToolBackend:
    """Checks English text with a LanguageTool server at ``url``; see the module docstring."""

    def __init__(
        self,
        url: str,
        language: str = "en-US",
        disabled_rules: Sequence[str] = (),
        disabled_categories: Sequence[str] = (),
        picky: bool = False,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        import language_tool_python as ltp

        self.url = normalize_url(url)
        self.language = language
        self.disabled_rules = tuple(r[3:] if r.startswith("LT:") else r for r in disabled_rules)
        self.disabled_categories = tuple(disabled_categories)
        self.picky = bool(picky)
        self._server_info()  # fails fast, with one line, on a dead or foreign URL
        self.max_chars = max(200, min(int(max_chars), self._max_text_length or max_chars))
        proxies = {"http": None, "https": None} if _is_loopback(self.url) else None
        try:
            self._tool = ltp.LanguageTool(language, remote_server=self.url, proxies=proxies)
        except ValueError as exc:  # unknown language tag
            raise ToolError(
                f"LanguageTool at {self.url} does not support language {language!r}: {one_line(exc, 150)}"
            ) from exc
        except Exception as exc:
            raise ToolError(f"LanguageTool at {self.url} failed: {one_line(exc)}") from exc
        # language_tool_python waits 300 s per try (and tries twice): a server that accepts
        # but never answers would stall a run for ten minutes.  mtqa's own limit per
        # request, one retry, then a ToolError.
        self.timeout = float(timeout)
        self._tool._TIMEOUT = self.timeout
        self._tool.disabled_rules = set(self.disabled_rules)
        self._tool.disabled_categories = set(self.disabled_categories)
        self._tool.picky = self.picky
        lib_converts_offsets()  # probe once, before the first check

    def __enter__(self) -> "LanguageToolBackend":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LanguageToolBackend({self.url!r}, language={self.language!r})"

    def close(self) -> None:
        """Nothing to release (the server is not ours); kept for symmetry."""

    def _server_info(self) -> None:
        self._version: Optional[str] = None
        self._max_text_length: Optional[int] = None
        try:
            info = self._get_json(f"{self.url}/v2/configinfo?language={quote(self.language)}")
            self._version = str(info.get("software", {}).get("version") or "") or None
            mtl = info.get("parameter", {}).get("maxTextLength")
            self._max_text_length = int(mtl) if mtl else None
            return
        except Exception as exc:  # noqa: BLE001 - sorted out below
            first = exc
        # Servers without /v2/configinfo: any /v2/languages answer proves it is one.
        try:
            langs = self._get_json(f"{self.url}/v2/languages")
            if not isinstance(langs, list):
                raise ValueError("not a list of languages")
        except Exception as exc:
            raise ToolError(
                f"LanguageTool server at {self.url} is not reachable: {one_line(first, 160)}"
            ) from exc

    def _get_json(self, url: str):
        if _is_loopback(url):
            return http_json(url, timeout=30)
        import requests

        r = requests.get(url, timeout=30)
        r.raise_for_status()
        return r.json()

    @property
    def version(self) -> str:
        """The server's LanguageTool version (``software.version``)."""
        if self._version is None:
            try:
                resp = self._get_json(f"{self.url}/v2/check?language={quote(self.language)}&text=Test.")
                self._version = str(resp["software"]["version"])
            except Exception as exc:
                raise ToolError(
                    f"LanguageTool at {self.url}: cannot read its version: {one_line(exc, 160)}"
                ) from exc
        return self._version

    def check(self, text: str) -> list[Finding]:
        """Findings for ``text``, with code-point offsets into ``text``, sorted."""
        out: list[Finding] = []
        for base, piece in split_text(text, self.max_chars):
            if not piece.strip():
                continue
            out.extend(self._check_piece(piece, base))
        out.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return out

    def _check_piece(self, piece: str, base: int) -> list[Finding]:
        from language_tool_python.exceptions import LanguageToolError

        try:
            with _CHECK_LOCK:
                matches = self._tool.check(piece)
        except (LanguageToolError, OSError) as exc:
            if "timed out" in str(exc).lower():
                raise ToolError(f"LanguageTool at {self.url} did not answer within {self.timeout:g} s "
                                f"(tried twice; languagetool.timeout sets the limit)") from exc
            raise ToolError(f"LanguageTool at {self.url} failed: {one_line(exc)}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ToolError(
                f"LanguageTool at {self.url} sent an unexpected answer: {one_line(exc)}"
            ) from exc
        index = Utf16Index(piece)
        try:
            return [finding_from_match(m, piece, base, index) for m in matches]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ToolError(
                f"LanguageTool at {self.url} sent an unexpected match: {one_line(exc)}"
            ) from exc


def finding_from_match(m, text: str, base: int = 0, index: Optional[Utf16Index] = None) -> Finding:
    """A Finding from a language_tool_python ``Match`` on ``text`` (which starts at ``base``
    in the document).  LanguageTool's UTF-16 offsets become code points here, once: what the
    library already converted (see :func:`lib_converts_offsets`) is first taken back to
    UTF-16, so both ends go through the same conversion."""
    index = index or Utf16Index(text)
    conv_offset, conv_length = lib_converts_offsets()
    u16_start = index.to_utf16(m.offset) if conv_offset else m.offset
    u16_end = (
        index.to_utf16(index.to_cp(u16_start) + m.error_length) if conv_length
        else u16_start + m.error_length
    )
    start, end = index.to_cp(u16_start), index.to_cp(u16_end)
    if not (0 <= start <= end <= len(text)):
        raise ValueError(f"match {m.rule_id} at {start}..{end} outside a text of {len(text)}")
    lt_cat = getattr(m, "category", "") or ""
    issue = (getattr(m, "rule_issue_type", "") or "").lower()
    from mtqa.checks.languagetool.policy import confident_typo, refine_rule_id, sentence_initial

    rule = refine_rule_id(m.rule_id, m.message)
    category = map_category(lt_cat, issue, rule)
    replacements = list(m.replacements)
    safe = is_safe(rule, category, issue, text[start:end], replacements)
    severity = map_severity(category, lt_cat, issue)
    if category == Category.SPELLING and severity == Severity.MAJOR and not confident_typo(
            text[start:end], replacements, sentence_initial(text, start)):
        severity = Severity.MINOR
    return Finding(
        rule_id=f"LT:{rule}",
        category=category,
        severity=severity,
        start=base + start,
        end=base + end,
        message=m.message,
        replacements=tuple(replacements[:MAX_REPLACEMENTS]),
        origin=Origin.LANGUAGETOOL,
        safe=safe,
        confidence=confidence_for(rule, category, safe, len(replacements)),
    )


__all__ = [
    "LanguageToolBackend",
    "finding_from_match",
    "lib_converts_offsets",
    "map_category",
    "map_severity",
    "is_safe",
    "split_text",
    "Utf16Index",
    "normalize_url",
    "SAFE_RULES",
    "NEVER_SAFE_RULES",
]
