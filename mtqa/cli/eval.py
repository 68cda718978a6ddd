"""`mtqa eval qe|ape`: thin wiring of mtqa.evaluate.metrics to the command line (mounted by
mtqa.cli.main as a typer sub-app).  Exit 0 ok, 2 bad input (one line, no traceback), 3 tool."""
from __future__ import annotations

import json
from typing import List, Optional

import typer

from mtqa.errors import ExitCode, MtqaError

eval_app = typer.Typer(help="Measure mtqa against human judgments and references.", no_args_is_help=True)

FORMAT = typer.Option("table", "--format", help="table or json")
DOCS = typer.Option(None, "--docs", help="segments.tsv: rebuild articles (doc_id, seg_in_doc) and check them whole")


def _fail(exc: MtqaError) -> None:
    typer.echo(f"mtqa eval: {exc}", err=True)
    raise typer.Exit(int(exc.exit_code))


def _emit(result: dict, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result["task"] == "qe":
        t = Table(title=f"QE vs human scores ({result['n']} lines, {result.get('column', '')})")
        t.add_column("Pearson", justify="right")
        t.add_column("Spearman", justify="right")
        t.add_row(f"{result['pearson']:.4f}", f"{result['spearman']:.4f}")
        console.print(t)
        console.print(f"model: {result.get('model_id')}")
        return
    t = Table(title=f"MT vs post-edited ({result['n']} lines)")
    for c in ("metric", "mt", "post-edited", "delta", "p (paired bs)"):
        t.add_column(c, justify="right")
    for name, r in result["metrics"].items():
        fmt_ = (lambda v: "" if v is None else f"{v:.2f}")
        p = r.get("p_value")
        t.add_row(name, fmt_(r["mt"]), fmt_(r.get("hyp")), fmt_(r.get("delta")), "" if p is None else f"{p:.4f}")
    console.print(t)
    for name, r in result["metrics"].items():
        console.print(f"{name}: {r['signature']}")


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        typer.echo(f"mtqa eval: --format must be table or json, not {fmt!r}", err=True)
        raise typer.Exit(int(ExitCode.USAGE))


@eval_app.command("qe")
def qe_cmd(
    mt: str = typer.Option(..., "--mt", help="MT output, one segment per line"),
    scores: str = typer.Option(..., "--scores", help="human scores: TSV with a header, or one number per line"),
    column: str = typer.Option("da_z_mean", "--column", help="TSV column (da_z_mean, da_mean, hter, ...)"),
    model: Optional[str] = typer.Option(None, "--model", help="QE model folder (default models/qe)"),
    source: Optional[str] = typer.Option(
        None, "--source", help="the source, line-aligned with --mt: scores with the source-aware model"),
    fmt: str = FORMAT,
) -> None:
    """Pearson and Spearman of mtqa's sentence scores with human scores."""
    _check_format(fmt)
    from mtqa.evaluate import metrics as ev
    from mtqa.errors import InputError

    try:
        lines = ev.read_lines(mt)
        gold = ev.read_scores(scores, column)
        ev._same_length({"mt": lines, "scores": gold})
        src = ev.read_lines(source) if source else None
        if src is not None:
            ev._same_length({"mt": lines, "source": src})
        from mtqa.qe import QualityEstimator

        qe = QualityEstimator.load(model)
        if src is not None and qe.source_qe is None:
            raise InputError("this QE model has no source-aware part (source.json); score without --source")
        res = ev.eval_qe(lines, gold, lambda m: qe.score(m, sources=src))
        res.update(column=column, model_id=qe.model_id)
        if src is not None:
            res["source_model_id"] = qe.source_model_id
    except MtqaError as exc:
        _fail(exc)
    _emit(res, fmt)


def _post_edit(mt_lines: list[str], docs: Optional[str]) -> list[str]:
    """Post-edit with mtqa's own pipeline (rules only: deterministic and fast)."""
    from mtqa.errors import ToolError
    from mtqa.evaluate.metrics import docs_text
    from mtqa.run.checker import Backends, Checker, Settings

    out = list(mt_lines)
    with Checker(Backends(languagetool=False, model=False, qe=False)) as checker:
        if docs:
            for doc_id, text, idx in docs_text(mt_lines, docs):
                fixed = checker.check(text, path=doc_id).post_edited
                parts = fixed[:-1].split("\n\n") if fixed.endswith("\n") else fixed.split("\n\n")
                if len(parts) != len(idx):
                    raise ToolError(f"{doc_id}: post-editing changed the paragraph count")
                for i, p in zip(idx, parts):
                    out[i] = p
        else:
            text = "\n".join(mt_lines) + "\n"
            fixed = checker.check(text, settings=Settings(lines=True)).post_edited
            out = fixed[:-1].split("\n") if fixed.endswith("\n") else fixed.split("\n")
            if len(out) != len(mt_lines):
                raise ToolError("post-editing changed the line count")
    return out


@eval_app.command("ape")
def ape_cmd(
    mt: str = typer.Option(..., "--mt", help="raw MT output, one segment per line"),
    ref: List[str] = typer.Option(..., "--ref", help="reference translation(s), repeatable"),
    hyp: Optional[str] = typer.Option(None, "--hyp", help="post-edited output; default: run mtqa's rule fixes"),
    docs: Optional[str] = DOCS,
    raw_only: bool = typer.Option(False, "--raw-only", help="score the raw MT only"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="paired bootstrap resamples"),
    fmt: str = FORMAT,
) -> None:
    """BLEU, chrF and TER of the raw MT and the post-edited output, deltas, paired bootstrap."""
    _check_format(fmt)
    from mtqa.evaluate import metrics as ev

    try:
        mt_lines = ev.read_lines(mt)
        refs = [ev.read_lines(r) for r in ref]
        if docs:
            ev.docs_text(mt_lines, docs)  # validates the segments file against the MT early
        hyp_lines = None
        if hyp:
            hyp_lines = ev.read_lines(hyp)
        elif not raw_only:
            ev._same_length({"mt": mt_lines, **{f"ref{i + 1}": r for i, r in enumerate(refs)}})
            hyp_lines = _post_edit(mt_lines, docs)
        res = ev.eval_ape(mt_lines, refs, hyp_lines, bootstrap)
    except MtqaError as exc:
        _fail(exc)
    _emit(res, fmt)
