"""The service without HTTP: one warm Checker, requests (plain dicts) in, reports out.

``/v1/check`` must give exactly what ``mtqa check --format json`` writes for the same text
and options: so the documents are made as :func:`mtqa.inputs.load` makes them, the
per-document settings come from :func:`mtqa.run.batch.settings_for` on the server's config
for the given path, the report is stamped with the config signature as ``mtqa.run.batch.run``
stamps it, and the JSON is the CLI's own renderer (:mod:`mtqa.report.json_report`)."""
from __future__ import annotations

import copy
import dataclasses
import json
import platform
import threading
import time
from typing import Any, Optional

from mtqa import __version__
from mtqa.run.batch import RunOptions, backends_for, settings_for
from mtqa.run.config import Config
from mtqa.errors import InputError
from mtqa.inputs import Document
from mtqa.run.checker import Backends, Checker, backend_ids
from mtqa.types import Report

FORMATS = ("text", "markdown", "html")
STDIN_NAME = "<stdin>"

_CHECK_FIELDS = {"text", "format", "path", "lines", "select", "ignore", "opt_in", "style", "source",
                 "no_languagetool", "no_model", "no_qe"}
_FIX_FIELDS = (_CHECK_FIELDS - {"no_qe"}) | {"unsafe"}
_REPORT_FIELDS = {"text", "path", "settings", "regions", "masks", "suppressions", "source", "backends"}


def _fields(body: Any, allowed: set[str]) -> dict:
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    extra = set(body) - allowed
    if extra:
        raise InputError(f"unknown field(s): {', '.join(sorted(extra))} (allowed: {', '.join(sorted(allowed))})")
    text = body.get("text")
    if not isinstance(text, str):
        raise InputError("'text' is required and must be a string")
    return body


def _list(v: Any, what: str) -> Optional[list[str]]:
    """A list of strings or one comma-separated string (like --select NUM,PUN)."""
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InputError(f"'{what}': expected a string or a list of strings")
    return v


def _flag(body: dict, name: str) -> bool:
    v = body.get(name, False)
    if not isinstance(v, bool):
        raise InputError(f"'{name}': expected true or false")
    return v


def _str(body: dict, name: str) -> Optional[str]:
    v = body.get(name)
    if v is not None and not isinstance(v, str):
        raise InputError(f"'{name}': expected a string")
    return v


def _clean_text(text: str, name: str) -> str:
    """The text as the CLI would have it after reading and decoding a file (mtqa.inputs.io.decode):
    a lone surrogate (not UTF-8) or a NUL byte is the same input error."""
    from mtqa.inputs.io import decode

    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{name}: not valid Unicode text (lone surrogate at character {exc.start})") from None
    return decode(data, name)


class Service:
    def __init__(self, checker: Checker, cfg: Config, opts: RunOptions):
        self.checker = checker
        self.cfg = cfg
        self.opts = opts
        self.backends: Backends = checker.backends
        self.started = time.time()
        self._served = 0
        self._count_lock = threading.Lock()

    # -- views of the warm checker --------------------------------------------------------
    def view(self, languagetool: bool = True, qe: bool = True, model: bool = True) -> Checker:
        """The warm checker with some backends left out for one request (a shallow copy:
        the LanguageTool connection, the models and the model lock are shared)."""
        if languagetool and qe and model:
            return self.checker
        v = copy.copy(self.checker)
        if not languagetool:
            v.lt = None
        if not qe:
            v.qe = None
        if not model:
            v.suggester = None
        return v

    def _count(self) -> None:
        with self._count_lock:
            self._served += 1

    # -- documents, as mtqa.inputs.load makes them ----------------------------------------
    @staticmethod
    def documents(text: str, path: Optional[str], fmt: Optional[str]) -> list[tuple[str, Document]]:
        """(shown path, Document) pairs for ``text`` sent as ``path`` (None: stdin), read as
        ``fmt`` (None: from the extension, else the content, like the CLI)."""
        from mtqa.inputs import documents, kind_of

        if fmt is not None and fmt not in FORMATS:
            raise InputError(f"'format': {fmt!r} is not one of {', '.join(FORMATS)}")
        cli_path = "-" if path in (None, "", "-", STDIN_NAME) else path
        name = STDIN_NAME if cli_path == "-" else cli_path
        text = _clean_text(text, name)
        docs = documents(cli_path, text, fmt or kind_of(cli_path, text), name)
        return [(STDIN_NAME + d.path[1:] if d.path.startswith("-") else d.path, d) for d in docs]

    def _opts(self, body: dict, **kw) -> RunOptions:
        from mtqa.run.batch import run_options  # the CLI's own flag handling: same checks, same errors

        return run_options(
            no_lt=self.opts.no_languagetool, lt_url=None, lines=_flag(body, "lines"),
            select=_list(body.get("select"), "select"), ignore=_list(body.get("ignore"), "ignore"),
            opt_in=_list(body.get("opt_in"), "opt_in"), style=_str(body, "style"), **kw,
        )

    def _run(self, body: dict, opts: RunOptions, checker: Checker) -> list[Report]:
        reports = []
        source = _str(body, "source")
        path = _str(body, "path")
        docs = self.documents(body["text"], path, _str(body, "format"))
        if source is not None and len(docs) != 1:
            raise InputError("'source' needs exactly one document (not a feed)")
        for shown, doc in docs:
            dcfg = self.cfg.for_path(doc.path)
            st = settings_for(dcfg, opts)
            try:
                rep = checker.check(doc.text, shown, st, regions=doc.regions, suppressions=doc.suppressions,
                                    source=source, config=dcfg.signature(), masks=doc.masks)
            except InputError as exc:
                raise InputError(f"{shown}: {exc}") from None
            reports.append(rep)
        self._count()
        return reports

    # -- endpoints ------------------------------------------------------------------------
    def check(self, body: Any) -> str:
        """``POST /v1/check``: the JSON report text, exactly as ``mtqa check --format json``."""
        from mtqa.report import json_report

        body = _fields(body, _CHECK_FIELDS)
        opts = self._opts(body)
        view = self.view(languagetool=not _flag(body, "no_languagetool"), qe=not _flag(body, "no_qe"),
                         model=not _flag(body, "no_model"))
        return json_report.render(self._run(body, opts, view))

    def fix(self, body: Any) -> dict:
        """``POST /v1/fix``: what ``mtqa fix`` writes (safe fixes; ``unsafe``: also unsafe
        ones, still guarded), with the JSON report.  Like ``mtqa fix``, no quality estimate."""
        from mtqa.report import json_report

        body = _fields(body, _FIX_FIELDS)
        opts = self._opts(body, apply_unsafe=_flag(body, "unsafe"))
        view = self.view(languagetool=not _flag(body, "no_languagetool"), qe=False,
                         model=not _flag(body, "no_model"))
        reports = self._run(body, opts, view)
        if len(reports) != 1:
            raise InputError("/v1/fix takes plain text, Markdown or HTML, not a feed")
        rep = reports[0]
        return {"text": rep.post_edited, "applied": sum(e.applied for e in rep.edits),
                "report": json_report.to_dict(reports)}

    def report(self, body: Any) -> dict:
        """``POST /v1/report``, for ``mtqa check --server``: the client's own settings,
        regions and suppressions; the lossless report (mtqa.run.serialize)."""
        from mtqa.run.serialize import report_to_dict
        from mtqa.serve import wire

        body = _fields(body, _REPORT_FIELDS)
        text = body["text"]
        st = wire.settings_from_dict(body.get("settings") or {})
        regions = wire.regions_from_list(body.get("regions"), len(text))
        masks = wire.regions_from_list(body.get("masks"), len(text), "masks")
        sups = wire.suppressions_from_list(body.get("suppressions"), len(text))
        want = body.get("backends") or {}
        if not isinstance(want, dict) or not all(isinstance(v, bool) for v in want.values()):
            raise InputError("'backends': expected an object of booleans")
        view = self.view(**{k: want.get(k, True) for k in ("languagetool", "qe", "model")})
        path = _str(body, "path") or STDIN_NAME
        rep = view.check(text, path, st, regions=regions, suppressions=sups, source=_str(body, "source"), masks=masks)
        self._count()
        return {"report": report_to_dict(rep)}

    def lt_check(self, text: str, language: str, annotation, enabled: list[str], disabled: list[str],
                 enabled_only: bool) -> dict:
        """``/v2/check``: mtqa's findings as LanguageTool matches."""
        from mtqa.run.checker import Settings
        from mtqa.serve import ltcompat

        regions, masks = None, None
        if annotation is not None:
            text, regions, masks = ltcompat.annotated_text(annotation)
        text = _clean_text(text, "text")
        dcfg = self.cfg.for_path("-")
        base = settings_for(dcfg, RunOptions(style=None))
        ids_on = ltcompat.mtqa_ids(enabled)
        ids_off = ltcompat.mtqa_ids(disabled)
        st = Settings(
            select=tuple(ids_on) if enabled_only else base.select,
            ignore=base.ignore + tuple(ids_off),
            severity=base.severity, glossary=base.glossary, lines=False, apply_unsafe=False,
            opt_in=base.opt_in + tuple(ids_on), style=base.style,
        )
        rep = self.checker.check(text, STDIN_NAME, st, regions=regions, masks=masks)
        self._count()
        return ltcompat.response(rep, language, self.lt_version)

    @property
    def lt_version(self) -> Optional[str]:
        lt = self.checker.lt
        try:
            return lt.version if lt is not None else None
        except Exception:  # noqa: BLE001 - a dead LanguageTool: health says so
            return None

    def health(self) -> tuple[bool, dict]:
        """(all enabled backends up, the health document)."""
        from mtqa import source_digest
        from mtqa.checks.rules import ruleset_hash

        lt = self.checker.lt
        lt_up = None
        if lt is not None:
            from mtqa.checks.languagetool.server import http_json

            try:
                http_json(f"{lt.url}/v2/languages", timeout=3)
                lt_up = True
            except Exception:  # noqa: BLE001
                lt_up = False
        sig = self.checker.signature()
        doc = {
            "status": "ok" if lt_up is not False else "degraded",
            "mtqa": __version__,
            "code": source_digest(),
            "rules": ruleset_hash(),
            "python": platform.python_version(),
            "uptime_s": round(time.time() - self.started, 1),
            "served": self._served,
            "backends": {
                "languagetool": {"enabled": lt is not None, "up": lt_up, "version": sig["languagetool"],
                                 "url": lt.url if lt is not None else None},
                "qe": {"enabled": self.checker.qe is not None, "id": sig["qe"]},
                "model": {"enabled": self.checker.suggester is not None, "id": sig["model"]},
            },
            "backend_ids": backend_ids(self.backends),
        }
        return lt_up is not False, doc

    @staticmethod
    def rules() -> list[dict]:
        from mtqa.checks.rules import all_rules
        from mtqa.checks.rules.styles import is_style

        return [{"id": r.id, "name": r.name, "category": r.category.value, "severity": r.severity.value,
                 "default": r.default, "style": is_style(r.id), "summary": r.summary, "doc": r.doc}
                for r in all_rules()]


MEMO = 20_000
"""Sentences whose model work a service keeps in memory (the estimate's LM parts, about 3 KB
each, and the post-editor's reviewed outputs): a document checked again after an edit
sends only its changed sentences through the models."""


def open_service(cfg: Config, opts: RunOptions):
    """A context manager: the warm Checker for ``cfg`` and ``opts`` (the Backends the CLI
    would build), warmed up with one tiny check, as a Service."""
    import contextlib

    @contextlib.contextmanager
    def _cm():
        with Checker(dataclasses.replace(backends_for(cfg, opts), memo=MEMO)) as checker:
            svc = Service(checker, cfg, opts)
            # spaCy, the rules' data and the LanguageTool connection load on first use: pay now.
            checker.check("The ministers discussed topical issues.", STDIN_NAME, settings_for(cfg, opts))
            yield svc

    return _cm()


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")
