"""A local LanguageTool HTTP server, run from the jars that ``mtqa setup`` (or, in a checkout,
scripts/fetch_languagetool.sh) fetches, as a context manager::

    with LanguageToolServer() as server:
        server.url      # "http://127.0.0.1:PORT" (loopback only)
        server.version  # "6.8"

The JVM is started as ``java -cp 'DIR/lib/*' org.languagetool.server.HTTPServer --port P
--config FILE`` (``SERVER_CONFIG``: LanguageTool's own result cache) on a free loopback
port (LanguageTool's HTTPServer binds to localhost unless given ``--public``, which is never passed).  It is stopped when the ``with`` block ends; an atexit
handler stops any server still running when Python exits, and on Linux the JVM is also
asked to die with the thread that started it when that is the main thread
(PR_SET_PDEATHSIG), so no JVM outlives the process even when Python is killed by a signal.

The jar folder is looked up in this order: ``$MTQA_LT_HOME`` (a folder holding ``lib/``;
when set, it is the only place looked at), ``lt/`` in the repository, then
``$MTQA_CACHE/languagetool`` (default ``~/.cache/mtqa/languagetool``), then
``$XDG_CACHE_HOME/mtqa/languagetool`` where that is another folder.  Every failure (no java, no jars, a JVM that dies or never
answers) raises :class:`mtqa.errors.ToolError` with a one-line, actionable message.
"""
from __future__ import annotations

import atexit
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

from mtqa.errors import ToolError

MAIN_CLASS = "org.languagetool.server.HTTPServer"
DEFAULT_JVM_OPTS = (
    "-Xmx1g",
    "-XX:+UseSerialGC",  # small heap, 2-core machines: the least overhead
    # C1 only: on 2 cores C2's compiler threads fight the checker for the CPU; measured
    # ready-to-check in ~12 s instead of ~20-30 s, and 20k-character checks 2-3x faster.
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",  # a dead server is reported; a wedged one is not
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
)
SERVER_CONFIG = {
    "cacheSize": 5000,
    "cacheTTLSeconds": 3600,
    "pipelineCaching": "true",
}
"""LanguageTool's own HTTPServerConfig (``--config``): a result cache of 5,000 sentences,
kept an hour, and its analysis pipelines reused between requests.  A document checked again
after an edit then costs LanguageTool only its changed sentences: on a 501-word article with
one sentence changed, 0.058 s a check against 0.288 s without (median of 12, same run), with
identical matches.  What it costs is heap, within ``-Xmx1g``."""
FETCH_HINT = "run `mtqa setup` or pass --lt-url (or set MTQA_LT_URL)"

_REPO_LT = Path(__file__).resolve().parents[3] / "lt"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def one_line(text: object, limit: int = 300) -> str:
    """Collapse whitespace (newlines included) and cut to ``limit`` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtqa" / "languagetool"


def _has_jars(home: Path) -> bool:
    lib = home / "lib"
    return lib.is_dir() and any(lib.glob("languagetool-server-*.jar"))


def candidate_homes() -> list[tuple[str, Path]]:
    """Where the jars are looked for, in order, each with a label for messages."""
    env = os.environ.get("MTQA_LT_HOME")
    if env:
        return [("$MTQA_LT_HOME", Path(env).expanduser())]
    from mtqa.models.lm import cache_dir  # $MTQA_CACHE, where `mtqa setup` puts them outside a checkout

    homes = [("repo", _REPO_LT), ("cache", cache_dir() / "languagetool")]
    if cache_home() != homes[1][1]:
        homes.append(("xdg-cache", cache_home()))
    return homes


def find_lt_home(home: "str | os.PathLike[str] | None" = None) -> Path:
    """The folder whose ``lib/`` holds the LanguageTool jars, or ToolError."""
    if home is not None:
        places = [("given", Path(home).expanduser())]
    else:
        places = candidate_homes()
    for _label, p in places:
        if _has_jars(p):
            return p
    where = ", ".join(
        f"{p / 'lib'}" + (" ($MTQA_LT_HOME)" if label == "$MTQA_LT_HOME" else "")
        for label, p in places
    )
    raise ToolError(f"LanguageTool jars not found in {where}: {FETCH_HINT}")


def find_java() -> str:
    """``$JAVA_HOME/bin/java`` when it exists, else ``java`` on PATH, else ToolError."""
    jh = os.environ.get("JAVA_HOME")
    if jh:
        cand = Path(jh) / "bin" / ("java.exe" if os.name == "nt" else "java")
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("java")
    if found:
        return found
    raise ToolError(
        "java not found (JAVA_HOME unset or without bin/java, none on PATH): install a JDK 17+ "
        "(e.g. apt-get install default-jre-headless) or pass --lt-url (or set MTQA_LT_URL)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, data: Optional[dict] = None, timeout: float = 30.0):
    """GET (or POST a form when ``data`` is given) ``url`` and decode JSON; never proxied."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    with _NO_PROXY.open(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


# --- making sure no JVM outlives us ---------------------------------------------------

_LIVE: "set[LanguageToolServer]" = set()
_LIVE_LOCK = threading.Lock()


def _stop_all() -> None:
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for s in servers:
        try:
            s.stop()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_stop_all)


def _pdeathsig_preexec():
    """A preexec_fn asking Linux to SIGTERM the child when our (main) thread dies, or None."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        # PDEATHSIG fires when the *thread* that forked exits: only safe from the main thread.
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child between fork and exec
        prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


# --- the server -----------------------------------------------------------------------


def _write_config(config: dict) -> str:
    """A Java properties file holding ``config`` (one ``key=value`` a line), in the temp
    folder; its path."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="mtqa-lt-", suffix=".properties")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(f"{k}={v}\n" for k, v in config.items()))
    return path


class LanguageToolServer:
    """A LanguageTool HTTPServer JVM on a free loopback port (see the module docstring).

    ``home``: the folder holding ``lib/`` (default: looked up); ``port``: a fixed port
    (default: a free one, retried if taken meanwhile); ``java``: the java binary;
    ``startup_timeout``: seconds to wait for the server to answer; ``warm_up``: run one
    check in ``language`` before returning from ``start()`` (loads that language's rules,
    which takes seconds, and reads the version; without it ``version`` comes from the
    jar folder's VERSION file); ``config``: LanguageTool's HTTPServerConfig properties
    (default ``SERVER_CONFIG``; ``{}``: none).
    """

    def __init__(
        self,
        home: "str | os.PathLike[str] | None" = None,
        *,
        port: Optional[int] = None,
        java: Optional[str] = None,
        jvm_opts: tuple[str, ...] = DEFAULT_JVM_OPTS,
        startup_timeout: float = 180.0,
        language: str = "en-US",
        warm_up: bool = True,
        config: Optional[dict] = None,
    ) -> None:
        self._home_arg = home
        self._port_arg = port
        self._java_arg = java
        self.jvm_opts = tuple(jvm_opts)
        self.startup_timeout = float(startup_timeout)
        self.language = language  # used for the warm-up check
        self.warm_up = warm_up
        self.server_config = dict(SERVER_CONFIG if config is None else config)
        self.home: Optional[Path] = None
        self.port: Optional[int] = None
        self._proc: Optional[subprocess.Popen] = None
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._drain: Optional[threading.Thread] = None
        self._version: Optional[str] = None
        self._config: Optional[str] = None  # the --config file, removed by stop()

    # context manager
    def __enter__(self) -> "LanguageToolServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.alive else "stopped"
        return f"LanguageToolServer({self.url if self.port else None!r}, {state})"

    @property
    def url(self) -> str:
        """Base URL of the server (``http://127.0.0.1:PORT``; the API is under ``/v2/``)."""
        if self.port is None:
            raise ToolError("LanguageTool server not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def version(self) -> str:
        """LanguageTool's version: from /v2/check's ``software.version``, else lt/VERSION."""
        if self._version:
            return self._version
        if self.home is not None and (self.home / "VERSION").is_file():
            return (self.home / "VERSION").read_text(encoding="utf-8").strip()
        return "unknown"

    def log_tail(self, n: int = 20) -> list[str]:
        """The last ``n`` lines the JVM printed (for debugging)."""
        return list(self._log)[-n:]

    # lifecycle
    def start(self) -> "LanguageToolServer":
        if self.alive:
            return self
        java = self._java_arg or find_java()
        self.home = find_lt_home(self._home_arg)
        attempts = 1 if self._port_arg else 3
        last: Optional[ToolError] = None
        for _ in range(attempts):
            port = self._port_arg or free_port()
            try:
                self._spawn(java, port)
                self._wait_ready()
                return self
            except ToolError as exc:
                last = exc
                in_use = any("Address already in use" in line for line in self._log)
                self.stop()
                if not in_use:
                    raise
        assert last is not None
        raise last

    def _spawn(self, java: str, port: int) -> None:
        assert self.home is not None
        classpath = str(self.home / "lib" / "*")
        cmd = [java, *self.jvm_opts, "-cp", classpath, MAIN_CLASS, "--port", str(port)]
        if self.server_config:
            self._config = _write_config(self.server_config)
            cmd += ["--config", self._config]
        self._log.clear()
        self.port = port
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals all of it
                preexec_fn=_pdeathsig_preexec(),
                cwd=str(self.home),
            )
        except OSError as exc:
            self.port = None
            raise ToolError(f"cannot run {java}: {one_line(exc)}") from exc
        with _LIVE_LOCK:
            _LIVE.add(self)
        self._drain = threading.Thread(
            target=self._drain_output, args=(self._proc,), name=f"lt-server-{port}", daemon=True
        )
        self._drain.start()

    def _drain_output(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            self._log.append(raw.decode("utf-8", "replace").rstrip())
        proc.stdout.close()

    def _failure_line(self) -> str:
        """The most telling line of the JVM's output."""
        lines = [line for line in self._log if line.strip()]
        for pat in (r"Exception|Error|error:", r"WARN|SEVERE"):
            hits = [line for line in lines if re.search(pat, line)]
            if hits:
                return one_line(hits[0], 200)
        return one_line(lines[-1], 200) if lines else "no output"

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        base = self.url
        while True:
            rc = self._proc.poll()
            if rc is not None:
                time.sleep(0.1)  # let the drain thread catch the last lines
                raise ToolError(
                    f"LanguageTool server (jars in {self.home / 'lib'}) exited with code {rc} at "
                    f"start: {self._failure_line()}"
                )
            try:
                http_json(f"{base}/v2/languages", timeout=5)
                break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise ToolError(
                    f"LanguageTool server on {base} did not answer within "
                    f"{self.startup_timeout:.0f}s (last output: {self._failure_line()}); "
                    "pass --lt-url to use a running server"
                )
            time.sleep(0.2)
        # A tiny check: gives the version and loads the language's rules (the first check
        # of a language takes seconds), so the first real check is not the slow one.
        if not self.warm_up:
            return
        try:
            remaining = max(10.0, deadline - time.monotonic())
            resp = http_json(
                f"{base}/v2/check", {"language": self.language, "text": "This is a test."},
                timeout=remaining,
            )
            self._version = str(resp.get("software", {}).get("version") or "") or None
        except (OSError, ValueError) as exc:
            raise ToolError(
                f"LanguageTool server on {base} answered /v2/languages but its first check "
                f"failed: {one_line(exc)}"
            ) from exc

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the JVM (SIGTERM to its process group, SIGKILL after ``timeout``); idempotent."""
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                self._signal(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self._signal(proc, signal.SIGKILL)
                    proc.wait(timeout=timeout)
            else:
                proc.wait()
            if self._drain is not None:
                self._drain.join(timeout=2)
        self._proc = None
        self._drain = None
        if self._config is not None:
            try:
                os.unlink(self._config)
            except OSError:
                pass
            self._config = None
        with _LIVE_LOCK:
            _LIVE.discard(self)

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # pgid == pid (start_new_session)
        except (ProcessLookupError, PermissionError):
            try:
                proc.send_signal(sig)
            except ProcessLookupError:
                pass


__all__ = [
    "LanguageToolServer",
    "find_lt_home",
    "find_java",
    "candidate_homes",
    "cache_home",
    "free_port",
    "one_line",
    "FETCH_HINT",
]
