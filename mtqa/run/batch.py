"""Batch runs: inputs -> documents -> reports, with the project config applied per path,
one Checker (one LanguageTool server, one model load) for the whole run, documents checked
concurrently, and results cached by content hash + config signature + backend ids, so an
unchanged article costs nothing on the next run."""
from __future__ import annotations

import dataclasses
import os
import threading
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from mtqa.run.config import Config
from mtqa.errors import InputError, ToolError
from mtqa.inputs import Document, InputProblem, discover, load_all
from mtqa.run.checker import Backends, Checker, Settings, backend_ids
from mtqa.types import Report


@dataclass
class RunOptions:
    """The command line's say; None means "as the config says"."""

    select: Optional[tuple[str, ...]] = None
    ignore: tuple[str, ...] = ()
    opt_in: tuple[str, ...] = ()
    style: Optional[str] = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lines: bool = False
    apply_unsafe: bool = False
    no_languagetool: bool = False
    lt_url: Optional[str] = None
    no_model: bool = False
    model: Optional[str] = None  # model spec: hub id, local path, .gguf file
    no_qe: bool = False
    source: Optional[str] = None  # the Russian source text (one input document only)
    cache: bool = True
    jobs: int = 0  # 0: automatic
    progress: Optional[bool] = None  # None: on a terminal, outside CI


@dataclass
class RunResult:
    reports: list[Report] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    cached: int = 0


def backends_for(cfg: Config, opts: RunOptions) -> Backends:
    lt = cfg.languagetool
    return Backends(
        languagetool=lt.enabled and not opts.no_languagetool,
        lt_url=opts.lt_url or lt.url,
        lt_disabled_rules=lt.disabled_rules,
        lt_disabled_categories=lt.disabled_categories,
        lt_picky=lt.picky,
        lt_timeout=lt.timeout,
        # On when asked for (--model, model.enabled = true or a configured model.name), or
        # by default once the shipped adapter has held-out apply thresholds; --no-model
        # always turns it off.
        model=model_wanted(cfg.model, opts),
        model_spec=opts.model or cfg.model.name,
        qe=not opts.no_qe,
    )


def model_wanted(model, opts: RunOptions) -> bool:
    """Whether the post-editor runs for this config's ``[model]`` and these options."""
    if opts.no_model:
        return False
    if opts.model is not None:
        return True
    if model.enabled is not None:
        return model.enabled
    if model.name is not None:
        return True
    from mtqa.suggest.backend import default_model_earns_default

    return default_model_earns_default()


def settings_for(cfg: Config, opts: RunOptions) -> Settings:
    return Settings(
        select=opts.select if opts.select is not None else cfg.select,
        ignore=tuple(cfg.ignore) + tuple(opts.ignore),
        opt_in=tuple(cfg.opt_in) + tuple(opts.opt_in),
        style=opts.style or cfg.style,
        severity=cfg.severity,
        glossary=cfg.glossary,
        lines=opts.lines,
        apply_unsafe=opts.apply_unsafe,
    )


def collect(paths: Sequence[str], cfg: Config, opts: RunOptions) -> tuple[list[Document], list[InputProblem]]:
    """Expand directories and load every input; a bad input or an empty directory becomes an
    InputProblem and the rest of the batch goes on."""
    include = opts.include or cfg.include
    exclude = tuple(cfg.exclude) + tuple(opts.exclude)
    files: list[str] = []
    problems: list[InputProblem] = []
    for p in paths:
        found = discover([p], include, exclude)
        if not found and p != "-" and os.path.isdir(p):
            problems.append(InputProblem(p, f"{p}: no input files found (include: {', '.join(include)})"))
        files += [f for f in found if f not in files]
    docs, load_problems = load_all(files)
    return docs, problems + load_problems


def _progress_enabled(opts: RunOptions) -> bool:
    if opts.progress is not None:
        return opts.progress
    return sys.stderr.isatty() and not os.environ.get("CI")


def run(
    paths: Sequence[str],
    cfg: Config,
    opts: RunOptions,
    checker_factory: Callable[[Backends], Checker] = Checker,
) -> RunResult:
    docs, problems = collect(paths, cfg, opts)
    result = RunResult(problems=problems)
    if not docs:
        return result
    from mtqa.run.cache import ResultCache, cache_key, key_parts

    cache = ResultCache() if opts.cache else None
    backends = backends_for(cfg, opts)
    ids = backend_ids(backends)
    reports: list[Optional[Report]] = [None] * len(docs)
    keys: list[str] = []
    plans = []
    for i, doc in enumerate(docs):
        shown = "<stdin>" + doc.path[1:] if doc.path.startswith("-") else doc.path
        dcfg = cfg.for_path(doc.path)
        st = settings_for(dcfg, opts)
        keys.append(cache_key(doc.text, key_parts(dcfg.signature(), ids, kind=doc.kind, settings=repr(st),
                                                  regions=doc.regions, masks=doc.masks, suppressions=repr(doc.suppressions),
                                                  source=opts.source)))
        plans.append((shown, dcfg, st))
        hit = cache.get(keys[i]) if cache is not None else None
        if hit is not None:
            reports[i] = dataclasses.replace(hit, path=shown)  # the same content under this name
            result.cached += 1
    todo = [i for i, r in enumerate(reports) if r is None]
    if todo:
        # Backends start only when something is not in the cache.
        with checker_factory(backends) as checker:

            failed = threading.Event()  # a backend failed: documents not yet started are skipped

            def one(i: int) -> None:
                if failed.is_set():
                    return
                shown, dcfg, st = plans[i]
                doc = docs[i]
                try:
                    rep = checker.check(doc.text, shown, st, regions=doc.regions, suppressions=doc.suppressions,
                                        source=opts.source, config=dcfg.signature(), masks=doc.masks)
                except ToolError:
                    failed.set()
                    raise
                except InputError as exc:  # this document only (too large, ...): the others go on
                    result.problems.append(InputProblem(shown, f"{shown}: {exc}"))
                    return
                if cache is not None:
                    cache.put(keys[i], rep)
                reports[i] = rep

            jobs = opts.jobs or min(4, os.cpu_count() or 1, len(todo))
            pool = ThreadPoolExecutor(max_workers=jobs)
            futures = [pool.submit(one, i) for i in todo]
            try:
                if _progress_enabled(opts) and len(todo) > 1:
                    from rich.progress import Progress

                    with Progress(transient=True, console=_stderr_console()) as bar:
                        task = bar.add_task("checking", total=len(todo))
                        for fut in as_completed(futures):
                            fut.result()
                            bar.advance(task)
                else:
                    for fut in as_completed(futures):
                        fut.result()
            except ToolError as exc:
                # a failed backend fails the run: documents not started are not tried
                pool.shutdown(wait=True, cancel_futures=True)
                raise ToolError(f"{exc}; not checked: {_names([plans[i][0] for i in todo if reports[i] is None])}") from exc
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    result.reports = [r for r in reports if r is not None]
    return result


def _names(paths: list[str], show: int = 5) -> str:
    more = f" (+{len(paths) - show} more)" if len(paths) > show else ""
    return ", ".join(paths[:show]) + more


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def run_options(no_lt, lt_url, lines, select, ignore, no_model=False, model=None, no_qe=False,
                opt_in=None, style=None, **kw) -> "RunOptions":
    """RunOptions from the command line's flags (also the HTTP API's request fields): rule
    prefixes split at commas and checked, an unknown style profile or a bad --lt-url a
    usage error."""
    from mtqa.checks.rules import check_prefixes
    from mtqa.checks.rules.styles import profile

    profile(style)  # an unknown profile is a usage error
    # ruff-style: --select NUM,PUN is --select NUM --select PUN
    select, ignore, opt_in = ([x.strip() for v in vals for x in v.split(",") if x.strip()] if vals else vals
                              for vals in (select, ignore, opt_in))
    check_prefixes(select or (), "--select")
    check_prefixes(ignore or (), "--ignore")
    check_prefixes(opt_in or (), "--opt-in")
    if lt_url is not None:
        from urllib.parse import urlsplit

        u = urlsplit(lt_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise InputError(f"--lt-url: {lt_url!r} is not an http(s) URL")
    return RunOptions(
        select=tuple(select) if select else None,
        ignore=tuple(ignore or ()),
        opt_in=tuple(opt_in or ()),
        style=style,
        lines=lines,
        no_languagetool=no_lt,
        lt_url=lt_url,
        no_model=no_model,
        model=model,
        no_qe=no_qe,
        **kw,
    )
