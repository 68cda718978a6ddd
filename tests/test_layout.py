"""The layout's import rules, read from the source with ``ast`` (nothing is imported):

- no import cycle among mtqa's modules (module-level imports: what runs at import time;
  a delayed import inside a function is how a module may reach a later stage lazily);
- mtqa.types, the data contract every stage uses, imports no other mtqa module at all;
- mtqa never imports benchmarks/ or scripts/ (they use mtqa, not the other way round);
- benchmarks/ and scripts/ never import each other: what both need lives in mtqa;
- benchmarks/ and scripts/ use mtqa's public names only, no ``_private`` one.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("mtqa", "benchmarks", "scripts")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a package's __init__ for a name defined there)
    name: str | None  # for ``from target import name``: the name, when not a module
    module_level: bool  # runs when the importing module is imported
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in TOPS for p in sorted((ROOT / top).rglob("*.py"))
            if "__pycache__" not in p.parts}


MODULES = _modules()


def _known(name: str) -> str | None:
    """The longest prefix of a dotted name that is one of ours (None: a third-party one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(module: str, path: Path):
    """Every import of ours in ``module``, with whether it runs at import time (not inside a
    function, nor under ``if TYPE_CHECKING:``); and ``(alias, module, line)`` for every
    name bound to one of our modules (``import mtqa.models.lm as lm``), for attribute checks."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    aliases: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, module_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for a in child.names:
                    target = _known(a.name)
                    if target:
                        found.append(Import(module, target, None, module_level, child.lineno))
                        if a.asname:
                            aliases.append((a.asname, target, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the package, up level - 1 packages
                    up = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(up + ([child.module] if child.module else []))
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    if sub in MODULES:
                        found.append(Import(module, sub, None, module_level, child.lineno))
                        aliases.append((a.asname or a.name, sub, child.lineno))
                    elif _known(base):
                        found.append(Import(module, _known(base), a.name, module_level, child.lineno))
            lazy = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or _type_checking(child)
            visit(child, module_level and not lazy)

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    visit(tree, True)
    return tree, found, aliases


PARSED = {m: _imports(m, p) for m, p in MODULES.items()}
IMPORTS = [i for _, found, _ in PARSED.values() for i in found]


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _where(i: Import) -> str:
    return f"{MODULES[i.source].relative_to(ROOT)}:{i.line} imports {i.target}{'.' + i.name if i.name else ''}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as [a, b, ..., a], or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def dfs(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                found = dfs(w)
                if found:
                    return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = dfs(v)
            if found:
                return found
    return None


def test_every_module_parses():
    assert len(MODULES) > 50 and "mtqa.types" in MODULES and "mtqa.edits.resolve" in MODULES


def test_no_import_cycle_in_mtqa():
    graph: dict[str, set[str]] = {}
    for i in IMPORTS:
        if i.module_level and _top(i.source) == _top(i.target) == "mtqa" and i.source != i.target:
            graph.setdefault(i.source, set()).add(i.target)
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_even_through_delayed_imports():
    """A function-level import still makes two modules depend on each other; the stages
    reach one another in one direction only (the service once imported the CLI's private
    option builder while the CLI imported the service)."""
    graph: dict[str, set[str]] = {}
    for i in IMPORTS:
        if _top(i.source) == _top(i.target) == "mtqa" and i.source != i.target:
            graph.setdefault(i.source, set()).add(i.target)
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# The top of the package: the data contract, errors, and one folder or module per stage.
STAGES = {
    "__init__", "__main__", "types", "errors",  # the contract and what every stage raises
    "inputs",    # files -> documents
    "segment",   # text -> segments
    "checks",    # segments -> findings
    "qe",        # the quality estimate, and what it does to findings
    "edits",     # findings -> edits
    "suggest",   # the post-editing model's edits
    "score",     # scores
    "report",    # report -> verdict and formats
    "run",       # the wiring: the Checker, batches, config, cache
    "models",    # loading models, `mtqa setup`
    "english",   # what several stages know about English
    "evaluate",  # measuring against human data
    "cli", "serve",  # front ends
}


def test_one_folder_or_module_per_stage():
    top = {p.stem for p in (ROOT / "mtqa").glob("*.py")} | {
        p.name for p in (ROOT / "mtqa").iterdir() if (p / "__init__.py").is_file()}
    assert top == STAGES, f"unexpected: {sorted(top - STAGES)}, missing: {sorted(STAGES - top)}"


def test_mtqa_packages_use_each_others_public_names():
    bad = [_where(i) for i in IMPORTS if _top(i.source) == _top(i.target) == "mtqa"
           and i.source.split(".")[:2] != i.target.split(".")[:2]
           and i.name and i.name.startswith("_") and not i.name.startswith("__")]
    assert not bad, bad


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}}) is None


def test_types_imports_no_other_stage():
    """The data contract is the bottom of the graph: also no delayed import (Report once
    imported mtqa.edits.resolve inside post_edited, a cycle types -> edits -> types)."""
    bad = [_where(i) for i in IMPORTS if i.source == "mtqa.types" and _top(i.target) == "mtqa"]
    assert not bad, bad


def test_mtqa_imports_neither_benchmarks_nor_scripts():
    bad = [_where(i) for i in IMPORTS if _top(i.source) == "mtqa" and _top(i.target) in ("benchmarks", "scripts")]
    assert not bad, bad


def test_benchmarks_and_scripts_do_not_import_each_other():
    bad = [_where(i) for i in IMPORTS
           if {_top(i.source), _top(i.target)} == {"benchmarks", "scripts"}]
    assert not bad, bad


def test_benchmarks_and_scripts_use_public_mtqa_names():
    """No ``from mtqa.x import _name`` and no ``x._name`` on an imported mtqa module: a
    private name may change with no notice; what a tool needs is made public."""
    bad = [_where(i) for i in IMPORTS if _top(i.source) != "mtqa" and _top(i.target) == "mtqa"
           and i.name and i.name.startswith("_") and not i.name.startswith("__")]
    for module, (tree, _, aliases) in PARSED.items():
        if _top(module) == "mtqa":
            continue
        ours = {alias for alias, target, _ in aliases if _top(target) == "mtqa"}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ours
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                bad.append(f"{MODULES[module].relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not bad, bad
