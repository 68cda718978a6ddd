"""Fetch the pinned LanguageTool jars without Maven: what scripts/fetch_languagetool.sh does,
for a pip user (``mtqa setup``).

The jar set is the one scripts/lt-pom.xml resolves to, locked with each jar's SHA-256 in
``jars.json`` beside this module (written by scripts/lock_languagetool.py).  Every jar is
taken from a local copy when one with the right checksum exists (the jar folders mtqa
already knows, the checkout's ``lt/lib``, the local Maven repository ``~/.m2/repository``)
and otherwise downloaded from Maven Central (``$MTQA_MAVEN_URL`` for a mirror); each one is
verified against the lock.  Like the script, the jars go into ``DEST/lib`` through a
temporary folder swapped in only when every jar is there, with the same ``VERSION`` file
and ``.fetched-<version>-<pom hash>`` stamp, so the script and ``mtqa setup`` recognise
each other's work.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from mtqa.errors import ToolError

LOCK = Path(__file__).with_name("jars.json")
CENTRAL = "https://repo1.maven.org/maven2"


def load_lock() -> dict:
    return json.loads(LOCK.read_text(encoding="utf-8"))


def stamp_name(lock: dict) -> str:
    return f".fetched-{lock['languagetool']}-{lock['pom_sha256']}"


def is_fetched(dest: Path, lock: Optional[dict] = None) -> bool:
    lock = lock or load_lock()
    return (dest / stamp_name(lock)).is_file() and (dest / "lib").is_dir()


def checkout_root() -> Optional[Path]:
    """The source checkout this package runs from, or None when it is installed."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "scripts" / "fetch_languagetool.sh").is_file() and (root / "pyproject.toml").is_file() else None


def default_dest() -> Path:
    """Where `mtqa setup` puts the jars: ``$MTQA_LT_HOME`` when set (the only place then
    looked at), else the checkout's ``lt/``, else ``$MTQA_CACHE/languagetool``."""
    env = os.environ.get("MTQA_LT_HOME")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "lt"
    from mtqa.models.lm import cache_dir

    return cache_dir() / "languagetool"


def _m2_path(m2: Path, jar: dict) -> Path:
    return m2.joinpath(*jar["group"].split("."), jar["artifact"], jar["version"], jar["file"])


def local_sources() -> list[Path]:
    """Folders that may already hold jars: known jar homes' lib/ and ~/.m2/repository."""
    from mtqa.checks.languagetool.server import cache_home, candidate_homes

    dirs = [p / "lib" for _, p in candidate_homes()] + [cache_home() / "lib"]
    root = checkout_root()
    if root is not None:
        dirs.append(root / "lt" / "lib")
    return list(dict.fromkeys(dirs)) + [Path.home() / ".m2" / "repository"]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class FetchResult:
    dest: Path
    version: str
    jars: int = 0
    already: bool = False
    copied: int = 0
    downloaded: int = 0
    bytes_downloaded: int = 0
    sources: list[str] = field(default_factory=list)


def _local_copy(jar: dict, sources: Iterable[Path]) -> Optional[tuple[Path, Path]]:
    """(file, the source folder it is in) of a verified local copy, or None."""
    for src in sources:
        cand = _m2_path(src, jar) if src.name == "repository" else src / jar["file"]
        try:
            if cand.is_file() and cand.stat().st_size == jar["size"] and sha256(cand) == jar["sha256"]:
                return cand, src
        except OSError:
            continue
    return None


def _download(jar: dict, target: Path, base: str, timeout: float) -> int:
    url = "/".join((base.rstrip("/"), *jar["group"].split("."), jar["artifact"], jar["version"], jar["file"]))
    h = hashlib.sha256()
    n = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(target, "wb") as out:
            for block in iter(lambda: resp.read(1 << 16), b""):
                h.update(block)
                out.write(block)
                n += len(block)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ToolError(f"cannot download {url}: {' '.join(str(reason).split())}") from None
    if h.hexdigest() != jar["sha256"]:
        target.unlink(missing_ok=True)
        raise ToolError(f"checksum mismatch for {url}: expected sha256 {jar['sha256'][:16]}..., "
                        f"got {h.hexdigest()[:16]}... (a proxy or mirror changed it?)")
    return n


def fetch(dest: Optional[Path] = None, sources: Optional[list[Path]] = None, offline: bool = False,
          force: bool = False, log: Callable[[str], None] = lambda s: None, timeout: float = 60.0) -> FetchResult:
    """Put the locked jars into ``dest/lib`` (default: :func:`default_dest`).  Idempotent:
    a complete earlier fetch (its stamp) is left alone unless ``force``.  ``offline``: local
    copies only.  Raises ToolError (one line) when a jar cannot be had or fails its check."""
    lock = load_lock()
    dest = Path(dest) if dest is not None else default_dest()
    res = FetchResult(dest, lock["languagetool"], jars=len(lock["jars"]))
    if not force and is_fetched(dest, lock):
        res.already = True
        return res
    sources = local_sources() if sources is None else sources
    sources = [s for s in sources if s.resolve() != (dest / "lib").resolve()] + [dest / "lib"]
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"cannot create {dest}: {exc.strerror or exc}") from None
    tmp = dest / f"lib.tmp.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    base = os.environ.get("MTQA_MAVEN_URL") or CENTRAL
    try:
        missing = []
        used: dict[str, int] = {}
        for jar in lock["jars"]:
            found = _local_copy(jar, sources)
            if found is None:
                missing.append(jar)
                continue
            shutil.copyfile(found[0], tmp / jar["file"])
            used[str(found[1])] = used.get(str(found[1]), 0) + 1
            res.copied += 1
        res.sources = [f"{n} from {s}" for s, n in used.items()]
        if missing:
            if offline:
                raise ToolError(f"{len(missing)} LanguageTool jar(s) not found locally (first: {missing[0]['file']}) "
                                "and downloads are off")
            log(f"downloading {len(missing)} jar(s) ({sum(j['size'] for j in missing) / 1e6:.0f} MB) from {base} ...")
            with ThreadPoolExecutor(max_workers=4) as pool:
                sizes = list(pool.map(lambda j: _download(j, tmp / j["file"], base, timeout), missing))
            res.downloaded, res.bytes_downloaded = len(missing), sum(sizes)
        old = dest / "lib.old"
        shutil.rmtree(old, ignore_errors=True)
        if (dest / "lib").exists():
            (dest / "lib").rename(old)
        tmp.rename(dest / "lib")
        shutil.rmtree(old, ignore_errors=True)
        for stale in dest.glob(".fetched-*"):
            stale.unlink()
        (dest / "VERSION").write_text(lock["languagetool"] + "\n", encoding="utf-8")
        (dest / stamp_name(lock)).touch()
    except OSError as exc:
        raise ToolError(f"cannot write the LanguageTool jars into {dest}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res

