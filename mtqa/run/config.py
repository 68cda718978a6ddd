"""Project configuration: ``[tool.mtqa]`` in pyproject.toml, or top-level keys in
mtqa.toml, found from the working directory upwards (mtqa.toml wins in the same
directory; a pyproject.toml without [tool.mtqa] is passed over; the search stops at a
directory holding .git, or at the filesystem root), or named with --config.

Unknown keys and wrong types are an InputError naming the key and the file.  Per-path
``[[tool.mtqa.overrides]]`` tables (``paths = ["news/**"]``, globs relative to the config
file's directory) are applied in order by ``Config.for_path``: ``severity``,
``languagetool`` and ``model`` are merged key by key, every other key is replaced.
See docs/config.md."""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from mtqa.errors import InputError
from mtqa.checks.glossary import GlossaryEntry
from mtqa.inputs import DEFAULT_INCLUDE
from mtqa.inputs.globs import match, normalize_path

FAIL_ON = ("minor", "major", "critical", "none")
SEVERITIES = ("minor", "major", "critical")
CONFIG_FILES = ("mtqa.toml", "pyproject.toml")


@dataclass(frozen=True)
class LanguageToolConfig:
    url: Optional[str] = None  # None: mtqa starts its own server
    disabled_rules: tuple[str, ...] = ()
    disabled_categories: tuple[str, ...] = ()
    picky: bool = False
    enabled: bool = True
    timeout: float = 30.0  # seconds per LanguageTool request (one retry, then exit 3)


@dataclass(frozen=True)
class ModelConfig:
    name: Optional[str] = None
    # None: the shipped post-editor runs only if it earned it (held-out apply thresholds,
    # mtqa.suggest.backend.default_model_earns_default); true/false: as the user says.
    enabled: Optional[bool] = None


@dataclass(frozen=True)
class Override:
    paths: tuple[str, ...]
    settings: tuple[tuple[str, Any], ...]  # (field name, normalized value), as written


def configured_severity(severity, rule_id: str) -> Optional[str]:
    """The severity that ``severity`` (pairs of rule-id prefix and severity, from
    ``[severity]``) gives ``rule_id``: the longest matching prefix wins; None if none does."""
    best = max((p for p, _ in severity if rule_id.startswith(p)), key=len, default=None)
    return dict(severity)[best] if best is not None else None


def with_severities(findings, severity) -> list:
    """The findings with the user's ``[severity]`` overrides applied (``configured_severity``);
    the QE stage re-applies them after it weighs findings, so the user's word wins."""
    from mtqa.types import Severity

    out = []
    for f in findings:
        sev = configured_severity(severity, f.rule_id)
        out.append(dataclasses.replace(f, severity=Severity(sev)) if sev else f)
    return out


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    opt_in: tuple[str, ...] = ()  # off-by-default rules to run (rule-id prefixes)
    style: Optional[str] = None  # house-style profile (mtqa.checks.rules.styles.PROFILES)
    severity: tuple[tuple[str, str], ...] = ()  # (rule id prefix, severity), sorted
    fail_under: Optional[float] = None  # None: not set here, the CLI default applies
    fail_on: Optional[str] = None
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    languagetool: LanguageToolConfig = LanguageToolConfig()
    model: ModelConfig = ModelConfig()
    overrides: tuple[Override, ...] = ()
    source: Optional[str] = field(default=None, compare=False)  # the file it came from
    root: str = field(default=".", compare=False)  # override globs are relative to this

    def severity_for(self, rule_id: str) -> Optional[str]:
        """The configured severity of a rule (longest matching prefix), or None."""
        return configured_severity(self.severity, rule_id)

    def for_path(self, path: str) -> "Config":
        """This config with every override whose globs match ``path`` applied."""
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        rel = normalize_path(rel if not rel.startswith("..") else path)
        cfg = dataclasses.replace(self, overrides=())
        for ov in self.overrides:
            if match(rel, ov.paths):
                cfg = _apply(cfg, dict(ov.settings))
        return cfg

    def to_dict(self) -> dict:
        """JSON-able, with the key names of the config file; unset values are None."""
        d = _settings_to_dict(_settings_of(self))
        d["overrides"] = [{"paths": list(o.paths), **_settings_to_dict(dict(o.settings))} for o in self.overrides]
        return d

    def signature(self) -> str:
        """A stable hash of everything that can change results (not where it came from)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- validation

class _Where:
    def __init__(self, file: str, prefix: str):
        self.file, self.prefix = file, prefix

    def fail(self, key: str, msg: str):
        raise InputError(f"{self.file}: {self.prefix}{key}: {msg}")


def _strs(v, where: _Where, key: str) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        where.fail(key, f"expected a list of strings, got {_tname(v)}")
    return tuple(v)


def _bool(v, where, key):
    if not isinstance(v, bool):
        where.fail(key, f"expected true or false, got {_tname(v)}")
    return v


def _str(v, where, key):
    if not isinstance(v, str):
        where.fail(key, f"expected a string, got {_tname(v)}")
    return v


def _tname(v) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list",
            dict: "a table"}.get(type(v), type(v).__name__)


def _table(v, where, key, known: dict) -> dict:
    if not isinstance(v, dict):
        where.fail(key, f"expected a table, got {_tname(v)}")
    out = {}
    for k, x in v.items():
        if k not in known:
            where.fail(f"{key}.{k}", "unknown key" + _did_you_mean(k, known))
        out[known[k][0]] = known[k][1](x, where, f"{key}.{k}")
    return out


def _did_you_mean(k: str, known) -> str:
    close = difflib.get_close_matches(k, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _timeout(v, where, key):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 3600:
        where.fail(key, f"expected seconds, a number above 0 and at most 3600, got {v!r}")
    return float(v)


_LT_KEYS = {"url": ("url", _str), "disabled-rules": ("disabled_rules", _strs),
            "disabled-categories": ("disabled_categories", _strs), "picky": ("picky", _bool),
            "enabled": ("enabled", _bool), "timeout": ("timeout", _timeout)}
_MODEL_KEYS = {"name": ("name", _str), "enabled": ("enabled", _bool)}


def _severity(v, where, key):
    if not isinstance(v, dict):
        where.fail(key, f"expected a table of rule id = severity, got {_tname(v)}")
    for rule, sev in v.items():
        if sev not in SEVERITIES:
            where.fail(f"{key}.{rule}", f"expected one of {', '.join(SEVERITIES)}, got {sev!r}")
    return dict(v)


def _fail_under(v, where, key):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
        where.fail(key, f"expected a number from 0 to 100, got {v!r}")
    return float(v)


def _fail_on(v, where, key):
    if v not in FAIL_ON:
        where.fail(key, f"expected one of {', '.join(FAIL_ON)}, got {v!r}")
    return v


def _glossary(v, where, key):
    if isinstance(v, str):
        return load_glossary_file(Path(where.file).parent / v, where, key)
    if not isinstance(v, list):
        where.fail(key, f"expected a list of {{term, variants}} tables or a file path, got {_tname(v)}")
    out = []
    for i, e in enumerate(v):
        k = f"{key}[{i}]"
        t = _table(e, where, k, {"term": ("term", _str), "variants": ("variants", _strs)})
        if "term" not in t:
            where.fail(k, "missing 'term'")
        out.append(GlossaryEntry(t["term"], tuple(t.get("variants", ()))))
    return tuple(out)


def load_glossary_file(path: Path, where: Optional[_Where] = None, key: str = "glossary") -> tuple[GlossaryEntry, ...]:
    """A glossary file: TOML (``[[glossary]]`` tables with term/variants) or TSV (one entry
    a line: term, then its variants, tab-separated; # starts a comment)."""
    where = where or _Where(str(path), "")
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        where.fail(key, f"cannot read glossary file {path} ({getattr(exc, 'strerror', None) or exc})")
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: invalid TOML: {exc}") from None
        inner = _Where(str(path), "")
        if set(data) - {"glossary"}:
            inner.fail(sorted(set(data) - {"glossary"})[0], "unknown key (expected [[glossary]] tables)")
        return _glossary(data.get("glossary", []), inner, "glossary")
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cells) < 2:
            raise InputError(f"{path}: line {n}: expected a term and at least one variant, tab-separated")
        out.append(GlossaryEntry(cells[0], tuple(cells[1:])))
    return tuple(out)


def _prefixes(v, where, key):
    from mtqa.errors import InputError
    from mtqa.checks.rules import check_prefixes

    v = _strs(v, where, key)
    try:
        check_prefixes(v, key)
    except InputError as exc:
        where.fail(key, str(exc).split(": ", 1)[1])
    return v


def _style(v, where, key):
    from mtqa.checks.rules.styles import PROFILES

    v = _str(v, where, key)
    if v not in PROFILES:
        where.fail(key, f"unknown style profile {v!r}" + _did_you_mean(v, list(PROFILES)))
    return v


_KEYS = {
    "select": ("select", _prefixes), "ignore": ("ignore", _prefixes), "severity": ("severity", _severity),
    "opt-in": ("opt_in", _prefixes), "style": ("style", _style),
    "fail-under": ("fail_under", _fail_under), "fail-on": ("fail_on", _fail_on),
    "include": ("include", _strs), "exclude": ("exclude", _strs), "glossary": ("glossary", _glossary),
    "languagetool": ("languagetool", lambda v, w, k: _table(v, w, k, _LT_KEYS)),
    "model": ("model", lambda v, w, k: _table(v, w, k, _MODEL_KEYS)),
}
_TOML_NAME = {f: k for k, (f, _) in _KEYS.items()}


def _parse_settings(raw: dict, where: _Where, allow_overrides: bool) -> tuple[dict, list[Override]]:
    settings: dict = {}
    overrides: list[Override] = []
    for k, v in raw.items():
        if k == "overrides" and allow_overrides:
            if not isinstance(v, list) or not all(isinstance(o, dict) for o in v):
                where.fail(k, "expected [[overrides]] tables")
            for i, o in enumerate(v):
                sub = _Where(where.file, f"{where.prefix}overrides[{i}].")
                if "paths" not in o:
                    sub.fail("paths", "missing (a list of globs)")
                paths = _strs(o["paths"], sub, "paths")
                s, _ = _parse_settings({x: y for x, y in o.items() if x != "paths"}, sub, False)
                overrides.append(Override(paths, tuple(s.items())))
        elif k in _KEYS:
            name, check = _KEYS[k]
            settings[name] = check(v, where, k)
        else:
            where.fail(k, "unknown key" + _did_you_mean(k, list(_KEYS) + ["overrides"] * allow_overrides))
    return settings, overrides


def _apply(cfg: Config, settings: dict) -> Config:
    changes = {}
    for name, value in settings.items():
        if name == "severity":
            changes[name] = tuple(sorted({**dict(cfg.severity), **value}.items()))
        elif name in ("languagetool", "model"):
            changes[name] = dataclasses.replace(getattr(cfg, name), **value)
        else:
            changes[name] = value
    return dataclasses.replace(cfg, **changes)


def _settings_of(cfg: Config) -> dict:
    return {f: getattr(cfg, f) for f in _TOML_NAME}


def _settings_to_dict(settings: dict) -> dict:
    out = {}
    for name, v in settings.items():
        if name == "severity":
            v = dict(v)
        elif name == "glossary":
            v = [{"term": e.term, "variants": list(e.variants)} for e in v]
        elif name in ("languagetool", "model"):
            v = v if isinstance(v, dict) else dataclasses.asdict(v)
            v = {k.replace("_", "-"): list(x) if isinstance(x, tuple) else x for k, x in v.items()}
        elif isinstance(v, tuple):
            v = list(v)
        out[_TOML_NAME[name]] = v
    return out


# ---------------------------------------------------------------- loading

def parse_config(data: dict, file: str, prefix: str = "") -> Config:
    settings, overrides = _parse_settings(data, _Where(file, prefix), True)
    cfg = _apply(Config(), settings)
    return dataclasses.replace(cfg, overrides=tuple(overrides), source=file, root=str(Path(file).parent))


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read config ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: config is not UTF-8 (byte offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None


def _from_file(path: Path, required: bool) -> Optional[Config]:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "mtqa" not in tool:
            if required:
                raise InputError(f"{path}: no [tool.mtqa] table")
            return None
        if not isinstance(tool["mtqa"], dict):
            raise InputError(f"{path}: tool.mtqa: expected a table")
        return parse_config(tool["mtqa"], str(path), "tool.mtqa.")
    return parse_config(data, str(path))


def find_config(cwd: str | os.PathLike) -> Optional[Config]:
    d = Path(cwd).resolve()
    while True:
        for name in CONFIG_FILES:
            p = d / name
            if p.is_file():
                cfg = _from_file(p, required=False)
                if cfg is not None:
                    return cfg
        if (d / ".git").exists() or d.parent == d:
            return None
        d = d.parent


def load_config(cwd: str | os.PathLike, explicit: Optional[str] = None) -> Config:
    """The config for a run in ``cwd``: ``explicit`` (--config PATH), else the nearest
    config file upwards, else the defaults (with ``cwd`` as root)."""
    if explicit is not None:
        p = Path(explicit)
        if not p.is_absolute():
            p = Path(cwd) / p
        if not p.is_file():
            raise InputError(f"{explicit}: no such config file")
        return _from_file(p.resolve(), required=True)
    return find_config(cwd) or Config(root=str(Path(cwd).resolve()))


# ---------------------------------------------------------------- display

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items() if x is not None) + " }"
    raise TypeError(type(v))


def _toml_key(k: str) -> str:
    return k if k.replace("-", "").replace("_", "").isalnum() and k.isascii() else json.dumps(k)


def _table_lines(d: dict) -> list[str]:
    lines = []
    for k, v in d.items():
        if v is None:
            lines.append(f"# {k}: not set")
        elif isinstance(v, dict) and k != "severity":
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        elif k == "glossary":
            lines.append("glossary = [" + "".join(f"\n  {_toml_value(e)}," for e in v) + ("\n]" if v else "]"))
        else:
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    return lines


def render_config(config: Config) -> str:
    """The effective configuration as mtqa.toml text (it loads back to the same Config)."""
    d = config.to_dict()
    overrides = d.pop("overrides")
    head = [f"# mtqa configuration, from {config.source or 'defaults'} (signature {config.signature()})"]
    body = _table_lines(d)
    for o in overrides:
        body += ["", "[[overrides]]"] + _table_lines(o)
    return "\n".join(head + body) + "\n"
