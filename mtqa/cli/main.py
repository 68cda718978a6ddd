"""The command line: a thin layer that wires inputs, the Checker and the renderers.

Exit codes (mtqa.errors.ExitCode): 0 pass, 1 below --fail-under or a finding at the
--fail-on severity, 2 usage or input error, 3 tool error (LanguageTool/model failure)."""
from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from mtqa import __version__
from mtqa.errors import ExitCode, InputError, MtqaError

app = typer.Typer(
    name="mtqa",
    help="Quality checks and guarded post-editing for English machine-translated from Russian.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    html = "html"
    diff = "diff"
    sarif = "sarif"
    junit = "junit"
    github = "github"
    jsonl = "jsonl"
    summary = "summary"
    docx = "docx"  # binary: needs -o FILE (or a pipe)


class FailOn(str, Enum):
    minor = "minor"
    major = "major"
    critical = "critical"
    none = "none"


def _err(msg: str) -> None:
    typer.echo(f"mtqa: error: {msg}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtqa {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """mtqa checks English MT output, scores it, and suggests guarded fixes."""


LT_URL = typer.Option(None, "--lt-url", envvar="MTQA_LT_URL", help="Use this running LanguageTool server instead of starting one.")
NO_LT = typer.Option(False, "--no-languagetool", help="Do not use LanguageTool (explicit opt-out).")
LINES = typer.Option(False, "--lines", help="Every input line is one segment (MT evaluation files).")
SELECT = typer.Option(None, "--select", help="Only rules whose id starts with this (repeatable or comma-separated; replaces the config's).")
IGNORE = typer.Option(None, "--ignore", help="Skip rules whose id starts with this (repeatable or comma-separated; adds to the config's).")
OPT_IN = typer.Option(None, "--opt-in", help="Also run the off-by-default rules whose id starts with this (repeatable; adds to the config's; 'LT' for all LanguageTool rules).")
STYLE = typer.Option(None, "--style", help="House-style profile ('ap'): its style checks run and its style fixes apply.")
NO_MODEL = typer.Option(False, "--no-model", help="Do not run the post-editing model, even if the config enables it.")
MODEL = typer.Option(None, "--model", help="Run the post-editing model: 'default' (SmolLM2 + the LoRA adapter in models/smollm2-ape-lora, reading only the sentences the edit tagger flags; offline), 'tagger' (the edit tagger alone, models/edit-tagger), 'lora' (the adapter on every sentence), 'smollm2' (few-shot), a Hugging Face hub id, a local path, a .gguf file, 'seq2seq:ID', a LoRA adapter or tagger dir. Edits of a model without guard thresholds tuned on held-out post-edits are suggestions (applied only with --unsafe).")
NO_QE = typer.Option(False, "--no-qe", help="Score with the MQM penalty formula only, without the learned quality estimate.")
CONFIG = typer.Option(None, "--config", help="Config file (default: mtqa.toml or [tool.mtqa] in pyproject.toml, searched upwards).")
SERVER = typer.Option(None, "--server", envvar="MTQA_SERVER", help="Check with this running `mtqa serve` (URL, or 'auto': the port file of a local one); same results; in-process with a note when it cannot be used. Token: MTQA_SERVER_TOKEN.")


def _checker_factory(server: Optional[str]):
    """The Checker for batch.run: in-process, or a running `mtqa serve` (mtqa.serve.client)."""
    from mtqa.run.checker import Checker

    if not server:
        return Checker
    from mtqa.serve.client import checker_factory

    return checker_factory(server)


def _config(path: Optional[str]):
    from mtqa.run.config import load_config

    return load_config(os.getcwd(), path)


@app.command()
def check(
    files: List[str] = typer.Argument(..., help="Files or directories ('-' for stdin): text, Markdown, HTML, RSS/Atom feeds."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", "--output-file", help="Write the report here (default: stdout)."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", min=0, max=100, help="Exit 1 when a document scores below this."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="Exit 1 on a finding at or above this severity (default: none)."),
    lines: bool = LINES,
    no_lt: bool = NO_LT,
    lt_url: Optional[str] = LT_URL,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    opt_in: Optional[List[str]] = OPT_IN,
    style: Optional[str] = STYLE,
    include: Optional[List[str]] = typer.Option(None, "--include", help="Glob of files to take from directories (repeatable)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Glob of files to skip (repeatable)."),
    no_model: bool = NO_MODEL,
    model: Optional[str] = MODEL,
    no_qe: bool = NO_QE,
    source: Optional[str] = typer.Option(None, "--source", help="The Russian original (document-aligned, or line-aligned with --lines): checks numbers, dates, URLs, quotes, names, length; line-aligned, it also gives a source-aware score."),
    config: Optional[str] = CONFIG,
    baseline: Optional[str] = typer.Option(None, "--baseline", help="Report only findings not in this baseline file."),
    write_baseline: Optional[str] = typer.Option(None, "--write-baseline", help="Write the current findings as a baseline file."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the result cache."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Documents checked at once (0: automatic)."),
    server: Optional[str] = SERVER,
) -> None:
    """Flag problems, score every sentence and the document, and propose fixes."""
    from mtqa.run.batch import run, run_options
    from mtqa.inputs.io import write_output
    from mtqa.report import render
    from mtqa.report.stats import config_policy, verdict as judge

    from mtqa.inputs.io import read_text

    cfg = _config(config)
    src_text = None
    if source is not None:
        if len(files) != 1 or os.path.isdir(files[0]):
            raise InputError("--source needs exactly one input file")
        src_text = read_text(source)
    opts = run_options(no_lt, lt_url, lines, select, ignore, no_model, model, no_qe, opt_in, style, source=src_text,
                        include=tuple(include or ()),
                        exclude=tuple(exclude or ()), cache=not no_cache, jobs=jobs)
    result = run(files, cfg, opts, checker_factory=_checker_factory(server))
    for problem in result.problems:
        _err(problem.message)
    reports = result.reports
    if baseline:
        from mtqa.run.baseline import filter_new, load_baseline

        known = load_baseline(baseline)
        reports = [filter_new(r, known) for r in reports]
    if write_baseline:
        from mtqa.run.baseline import write_baseline as write_bl

        n = write_bl(reports, write_baseline)
        typer.echo(f"mtqa: wrote {n} finding(s) to baseline {write_baseline}", err=True)
    # one verdict (mtqa.report.stats) for the exit code and every format that shows one
    verdict = judge(reports, config_policy(cfg, fail_under, fail_on), [p.message for p in result.problems])
    if reports or not result.problems:
        write_output(output, render(reports, fmt.value, verdict))
    raise typer.Exit(verdict.exit_code)


@app.command()
def fix(
    file: str = typer.Argument(..., help="Input file ('-' for stdin)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the post-edited text here (default: stdout)."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Replace the input file (atomic rename)."),
    unsafe: bool = typer.Option(False, "--unsafe", help="Also apply unsafe suggestions (still guarded)."),
    decisions: Optional[str] = typer.Option(None, "--decisions", help="Apply exactly the edits accepted in this file (exported by the HTML report's review; see docs/review.md) instead of checking."),
    lines: bool = LINES,
    no_lt: bool = NO_LT,
    lt_url: Optional[str] = LT_URL,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    opt_in: Optional[List[str]] = OPT_IN,
    style: Optional[str] = STYLE,
    no_model: bool = NO_MODEL,
    model: Optional[str] = MODEL,
    config: Optional[str] = CONFIG,
    server: Optional[str] = SERVER,
) -> None:
    """Write the post-edited text (safe fixes by default). The input is never touched
    unless --in-place, and then only by an atomic replace."""
    from mtqa.run.batch import run, run_options
    from mtqa.inputs.io import write_output, write_text_atomic

    if in_place and output:
        raise InputError("--in-place and --output exclude each other")
    if in_place and file == "-":
        raise InputError("--in-place needs a file, not stdin")
    if file != "-" and os.path.isdir(file):
        raise InputError(f"{file}: is a directory (mtqa fix takes one file)")
    if decisions is not None:
        _fix_with_decisions(file, decisions, output, in_place, unsafe)
        return
    cfg = _config(config)
    # The quality estimate changes no edit, so `fix` does not run it.
    opts = run_options(no_lt, lt_url, lines, select, ignore, no_model, model, no_qe=True, opt_in=opt_in, style=style,
                        apply_unsafe=unsafe, cache=False, progress=False)
    result = run([file], cfg, opts, checker_factory=_checker_factory(server))
    if result.problems:
        raise InputError(result.problems[0].message)
    if len(result.reports) != 1 or result.reports[0].path not in (file, "<stdin>"):
        # A feed's items ("FEED#item") are derived texts: nothing to write back into the XML.
        raise InputError(f"{file}: mtqa fix writes plain text, Markdown or HTML files, not feeds")
    report = result.reports[0]
    fixed = report.post_edited
    applied = sum(e.applied for e in report.edits)
    if in_place:
        if fixed != report.text:
            write_text_atomic(file, fixed)
    else:
        write_output(output, fixed)
    typer.echo(f"mtqa: {applied} edit(s) applied to {file}", err=True)


def _fix_with_decisions(file: str, decisions_path: str, output: Optional[str], in_place: bool, unsafe: bool) -> None:
    """`fix --decisions`: no checking, only the editor's accepted edits, on the very text
    they were made on (its hash is in the decisions)."""
    from mtqa.edits import decisions as dec
    from mtqa.inputs.io import read_text, write_output, write_text_atomic

    if unsafe:
        raise InputError("--decisions and --unsafe exclude each other (the decisions say which edits apply)")
    text = read_text(file)
    fixed, n = dec.apply(text, dec.load(decisions_path), "<stdin>" if file == "-" else file)
    if in_place:
        if fixed != text:
            write_text_atomic(file, fixed)
    else:
        write_output(output, fixed)
    typer.echo(f"mtqa: {n} accepted edit(s) applied to {file}", err=True)


@app.command("config")
def show_config(config: Optional[str] = CONFIG) -> None:
    """Print the effective configuration (after discovery), as mtqa.toml text."""
    from mtqa.run.config import render_config

    typer.echo(render_config(_config(config)), nl=False)


@app.command()
def rules(rule_id: Optional[str] = typer.Argument(None, help="Print this rule's documentation.")) -> None:
    """List the rules (id, category, severity, whether on by default and whether its fix
    is house style), or print one rule's documentation."""
    from mtqa.checks.rules import all_rules, get_rule
    from mtqa.checks.rules.styles import PROFILES, is_style

    def flags(r) -> str:
        return ",".join(x for x, on in (("off", not r.default), ("style", is_style(r.id))) if on) or "-"

    from mtqa.checks.source import DEFAULT_OFF, SOURCE_CHECKS

    if rule_id and rule_id.upper() in SOURCE_CHECKS:
        cat, sev, summary = SOURCE_CHECKS[rule_id.upper()]
        off = "off" if rule_id.upper() in DEFAULT_OFF else "-"
        typer.echo(f"{rule_id.upper()}  source check  [{cat.value}/{sev.value}/{off}]\n\n{summary} (runs with --source).")
        return
    if rule_id:
        rule = get_rule(rule_id)
        if rule is None:
            raise InputError(f"unknown rule {rule_id!r} (see `mtqa rules`)")
        typer.echo(f"{rule.id}  {rule.name}  [{rule.category.value}/{rule.severity.value}/{flags(rule)}]\n")
        typer.echo(rule.doc)
        return
    for r in all_rules():
        typer.echo(f"{r.id:<8} {r.category.value:<13} {r.severity.value:<9} {flags(r):<10} {r.summary}")
    for rid, (cat, sev, summary) in SOURCE_CHECKS.items():
        off = "off" if rid in DEFAULT_OFF else "-"
        typer.echo(f"{rid:<8} {cat.value:<13} {sev.value:<9} {off:<10} {summary} (with --source)")
    from mtqa.checks.languagetool.policy import DEFAULT_OFF as LT_OFF

    lt_style = {p for prof in PROFILES.values() for p in prof.rules if p.startswith("LT:")}
    typer.echo("\nLanguageTool rules that mtqa does not report by default or treats as house style "
               "(the others are on; precision figures in mtqa/checks/languagetool/policy.py):")
    for rid in sorted({f"LT:{r}" for r in LT_OFF} | lt_style):
        marks = ",".join(x for x, on in (("off", rid.removeprefix("LT:") in LT_OFF), ("style", is_style(rid))) if on)
        typer.echo(f"  {rid:<40} {marks}")
    typer.echo("\noff: off by default (opt-in = [ID] or --opt-in ID); style: house style, fix applied only "
               "under a profile (" + ", ".join(f"style = \"{p}\"" for p in PROFILES) + ")")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Not a loopback address: needs --token."),
    port: int = typer.Option(8765, "--port", help="TCP port (0: a free one; the URL is printed and written to the port file)."),
    token: Optional[str] = typer.Option(None, "--token", envvar="MTQA_SERVE_TOKEN", help="Require 'Authorization: Bearer TOKEN' (LanguageTool clients: apiKey=TOKEN)."),
    no_lt: bool = NO_LT,
    lt_url: Optional[str] = LT_URL,
    no_model: bool = NO_MODEL,
    model: Optional[str] = MODEL,
    no_qe: bool = NO_QE,
    config: Optional[str] = CONFIG,
    max_bytes: int = typer.Option(4 * 1024 * 1024, "--max-bytes", help="Largest request body (bytes); larger: 413."),
    max_concurrent: int = typer.Option(2, "--max-concurrent", help="Checks running at once."),
    max_queue: int = typer.Option(32, "--max-queue", help="Requests waiting for a check slot; more: 429."),
    port_file: Optional[str] = typer.Option(None, "--port-file", help="Where to write the URL for `--server auto` (default: $MTQA_CACHE/serve.json; 'none': nowhere)."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request on stderr."),
) -> None:
    """Serve checks over HTTP from one warm checker (LanguageTool, spaCy, QE, model): the
    JSON API /v1/* and a LanguageTool-compatible /v2/check (docs/api.md)."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise InputError(f"mtqa serve needs FastAPI and uvicorn ({exc.name} is missing): "
                         "pip install -r requirements.txt") from None
    from mtqa.serve.app import Limits
    from mtqa.serve.server import check_policy, serve as run_server

    check_policy(host, port, token, max_bytes, max_concurrent, max_queue)
    cfg = _config(config)
    from mtqa.run.batch import run_options

    opts = run_options(no_lt, lt_url, False, None, None, no_model, model, no_qe)
    run_server(cfg, opts, host, port, token, Limits(max_bytes, max_concurrent, max_queue), port_file, access_log)


@app.command()
def setup(
    no_languagetool: bool = typer.Option(False, "--no-languagetool", help="Skip the LanguageTool jars."),
    no_models: bool = typer.Option(False, "--no-models", help="Skip preparing the models (converting the default LMs once, ~2 min)."),
    lt_home: Optional[str] = typer.Option(None, "--lt-home", help="Put the jars here (default: $MTQA_LT_HOME, else the checkout's lt/, else $MTQA_CACHE/languagetool)."),
    from_dir: Optional[List[str]] = typer.Option(None, "--from", help="Copy jars from this folder (a lib/ of jars or a Maven repository) before downloading (repeatable)."),
    offline: bool = typer.Option(False, "--offline", help="Do not download: local copies only."),
    force: bool = typer.Option(False, "--force", help="Fetch the jars again even when a complete fetch is there."),
) -> None:
    """Fetch the pinned LanguageTool jars from Maven Central (checksums verified) and prepare
    the default models, so that checks run offline and start fast.  Idempotent."""
    from pathlib import Path

    from mtqa.models.setup import setup as run_setup

    run_setup(languagetool=not no_languagetool, models=not no_models,
              lt_dest=Path(lt_home).expanduser() if lt_home else None,
              sources=[Path(d).expanduser() for d in from_dir or ()], offline=offline, force=force,
              say=typer.echo)


from mtqa.cli.eval import eval_app  # noqa: E402  (a light module: heavy imports are lazy)

app.add_typer(eval_app, name="eval")


def _click_exceptions():
    """typer >= 0.26 vendors click as typer._click; older versions use click itself."""
    try:
        from typer._click import exceptions as ex  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - depends on the typer version
        from click import exceptions as ex
    return ex


def main() -> None:
    """Entry point: every MtqaError becomes one line on stderr and its exit code."""
    ex = _click_exceptions()
    try:
        rc = app(standalone_mode=False)
    except MtqaError as exc:
        _err(str(exc))
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except ex.ClickException as exc:  # usage errors: one line, like every other error
        if isinstance(exc, getattr(ex, "NoArgsIsHelpError", ())):
            exc.show()
            sys.exit(ExitCode.OK)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "mtqa"
        _err(" ".join(exc.format_message().split()) + f" (see `{where} --help`)")
        sys.exit(ExitCode.USAGE)
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("MTQA_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set MTQA_DEBUG=1 for a traceback)")
        sys.exit(ExitCode.TOOL)
    sys.exit(int(rc or 0))


if __name__ == "__main__":  # pragma: no cover
    main()
