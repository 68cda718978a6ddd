"""The CLI side of `mtqa serve`: ``mtqa check --server URL`` (or ``MTQA_SERVER``).

:func:`checker_factory` gives :func:`mtqa.run.batch.run` a Checker look-alike that sends each
document -- with the settings, regions and suppressions the *client* computed from its own
config and flags -- to ``POST /v1/report`` and gets the lossless report back, so that
caching, baselines, every output format and the exit code work as in-process, and the
results are the same.  The server's backends must be those the client would have started
(mtqa version, rule set, LanguageTool version and options, QE and model ids, compared with
``/v1/health``); backends the client does not want (``--no-qe``, ``--no-model``) are left
out per request.  When the server cannot be had (not reachable, a different set-up, a
refused token, a document over its size limit, gone mid-run) the run goes on in-process,
with one note on stderr.  ``--server auto`` reads the port file a local `mtqa serve` writes
($MTQA_CACHE/serve.json).  The token: ``MTQA_SERVER_TOKEN``."""
from __future__ import annotations

import dataclasses

import json
import os
import sys
import threading
import time
from typing import Optional

from mtqa.errors import InputError, ToolError
from mtqa.run.checker import Backends, Checker, backend_ids

TIMEOUT_CONNECT = 3.0
TIMEOUT_READ = 900.0  # a long document with the post-editing model takes a while
BUSY_WAIT = 120.0  # seconds of 429 answers before checking in-process instead


class Unavailable(Exception):
    """The server cannot be used for this: check in-process instead."""


def note(msg: str) -> None:
    print(f"mtqa: note: {msg}", file=sys.stderr, flush=True)


def resolve(server: str) -> str:
    """A URL from ``--server``: ``auto`` reads the port file; ``host:port`` gets http://."""
    s = server.strip()
    if s.lower() == "auto":
        from mtqa.serve.server import default_port_file

        pf = default_port_file()
        try:
            info = json.loads(pf.read_text(encoding="utf-8"))
            url = info["url"]
            pid = int(info.get("pid") or 0)
        except (OSError, ValueError, KeyError, TypeError):
            raise Unavailable(f"no running mtqa serve found (no port file {pf})") from None
        if pid:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                raise Unavailable(f"the mtqa serve of {pf} (pid {pid}) is not running") from None
            except PermissionError:
                pass
        return str(url).rstrip("/")
    if "://" not in s:
        s = "http://" + s
    from urllib.parse import urlsplit

    u = urlsplit(s)
    if u.scheme not in ("http", "https") or not u.netloc:
        raise InputError(f"--server: {server!r} is not an http(s) URL (or 'auto')")
    return s.rstrip("/")


def incompatibility(mine: dict, health: dict) -> Optional[str]:
    """Why the server would not give what this run would give in-process, or None."""
    from mtqa import __version__, source_digest

    if health.get("mtqa") != __version__:
        return f"it runs mtqa {health.get('mtqa')}, this is {__version__}"
    # the same code and data files: the same rule set too (its hash reads mtqa/checks)
    if health.get("code") != source_digest():
        return "it runs other mtqa code (the checkout changed since it started)"
    theirs = health.get("backend_ids") or {}
    be = health.get("backends") or {}
    if mine.get("languagetool"):
        t = theirs.get("languagetool")
        if not t or not (be.get("languagetool") or {}).get("enabled"):
            return "it runs without LanguageTool"
        if mine["languagetool"].split("|", 1)[1:] != t.split("|", 1)[1:]:
            return "its LanguageTool options (disabled rules/categories, picky) differ"
        where = mine["languagetool"].split("|", 1)[0]
        if where.startswith("local:") and not where.endswith(":unknown"):
            v = where.split(":", 1)[1]
            if (be.get("languagetool") or {}).get("version") not in (None, v):
                return f"it runs LanguageTool {be['languagetool']['version']}, this would run {v}"
    for k in ("qe", "model"):
        if mine.get(k) and mine[k] != theirs.get(k):
            return f"its {'quality estimate' if k == 'qe' else 'post-editing model'} differs " \
                   f"({theirs.get(k) or 'off'} there, {mine[k]} here)"
    return None


class _Answer:
    """What the client reads of an HTTP answer: its status and its JSON body."""

    def __init__(self, status: int, body: bytes):
        self.status_code, self.body = status, body

    def json(self):
        return json.loads(self.body)  # a ValueError when the body is not JSON


class RemoteChecker:
    """Quacks like :class:`mtqa.run.checker.Checker` for :func:`mtqa.run.batch.run`."""

    def __init__(self, server: str, backends: Backends, token: Optional[str] = None):
        self.server = server
        self.backends = backends
        self.token = token if token is not None else (os.environ.get("MTQA_SERVER_TOKEN") or None)
        self.url: Optional[str] = None
        self._local: Optional[Checker] = None
        self._local_lock = threading.Lock()
        self._tls = threading.local()
        self._want = {"languagetool": backends.languagetool, "qe": backends.qe, "model": backends.model}
        self.remote_used = 0

    # -- HTTP ----------------------------------------------------------------------------
    # The standard library's http.client, one keep-alive connection per thread: the client
    # is a short process whose start-up counts in every warm check, and with `requests` a
    # warm check of an unchanged article took 0.269 s against 0.236 s now (BENCHMARKS.md,
    # "The CLI client without `requests`").  No proxy is read from the environment: a loopback
    # server is never behind one.
    def _connection(self, fresh: bool = False):
        conn = getattr(self._tls, "conn", None)
        if conn is None or fresh:
            import http.client
            from urllib.parse import urlsplit

            if conn is not None:
                conn.close()
            u = urlsplit(self.url)
            kind = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            conn = kind(u.hostname, u.port, timeout=TIMEOUT_CONNECT)
            self._tls.conn = conn
        return conn

    def _request(self, method: str, path: str, body: Optional[dict] = None, timeout=None) -> _Answer:
        import http.client
        from urllib.parse import urlsplit

        connect, read = timeout or (TIMEOUT_CONNECT, TIMEOUT_READ)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        target = urlsplit(self.url).path + path
        for attempt in (0, 1):
            conn = self._connection(fresh=attempt > 0)
            reused, connecting = conn.sock is not None, False
            try:
                if not reused:
                    connecting = True
                    conn.timeout = connect
                    conn.connect()
                    connecting = False
                conn.sock.settimeout(read)
                conn.request(method, target, body=data, headers=headers)
                resp = conn.getresponse()
                answer = _Answer(resp.status, resp.read())
                if resp.will_close:
                    conn.close()
                return answer
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                stale = isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if reused and stale and attempt == 0:
                    continue  # the server closed an idle keep-alive connection: once more, anew
                why = f"no connection within {connect:g} s" if connecting and isinstance(exc, TimeoutError) \
                    else _reason(exc)
                raise Unavailable(f"mtqa server at {self.url} is not reachable ({why})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _message(resp) -> str:
        try:
            return str(resp.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            return f"HTTP {resp.status_code}"

    # -- the Checker interface -----------------------------------------------------------
    def __enter__(self) -> "RemoteChecker":
        try:
            self.url = resolve(self.server)
            resp = self._request("GET", "/v1/health", timeout=(TIMEOUT_CONNECT, 30))
            if resp.status_code == 401:
                raise Unavailable(f"mtqa server at {self.url} refused the token "
                                  f"({'wrong' if self.token else 'none given'}: set MTQA_SERVER_TOKEN)")
            try:
                health = resp.json()
            except ValueError:
                raise Unavailable(f"{self.url} is not an mtqa server (HTTP {resp.status_code})") from None
            if not isinstance(health, dict) or "backend_ids" not in health:
                raise Unavailable(f"{self.url} is not an mtqa server")
            if resp.status_code != 200:
                raise Unavailable(f"mtqa server at {self.url} is not healthy ({health.get('status')})")
            why = incompatibility(backend_ids(self.backends), health)
            if why:
                raise Unavailable(f"mtqa server at {self.url} cannot stand in for this run: {why}")
        except Unavailable as exc:
            self._fall_back(str(exc))
        return self

    def __exit__(self, *exc) -> None:
        if self._local is not None:
            self._local.__exit__(*exc)

    def signature(self, source_qe: bool = False) -> dict:  # pragma: no cover - not used by batch.run
        raise NotImplementedError

    def _fall_back(self, why: str) -> Checker:
        with self._local_lock:
            if self._local is None:
                note(f"{why}; checking in-process")
                local = Checker(self.backends)
                local.__enter__()
                self._local = local
            return self._local

    def check(self, text: str, path: str = "<text>", settings=None, regions=None, suppressions=(),
              source: Optional[str] = None, config: Optional[str] = None, masks=None):
        """``Checker.check`` through the server (or in-process once it is gone); ``config``
        is stamped on the report here, as the local Checker stamps it."""
        from mtqa.run.checker import Settings
        from mtqa.run.serialize import report_from_dict
        from mtqa.serve import wire

        settings = settings if settings is not None else Settings()
        if self._local is not None:
            return self._local.check(text, path, settings, regions=regions, suppressions=suppressions, source=source,
                                     config=config, masks=masks)
        body = {"text": text, "path": path, "settings": wire.settings_to_dict(settings),
                "regions": wire.regions_to_list(regions), "masks": wire.regions_to_list(masks), "suppressions": wire.suppressions_to_list(suppressions),
                "source": source, "backends": self._want}
        waited, attempt = 0.0, 0
        try:
            while True:
                resp = self._request("POST", "/v1/report", body)
                if resp.status_code != 429:
                    break
                if waited >= BUSY_WAIT:
                    raise Unavailable(f"mtqa server at {self.url} stayed busy for {BUSY_WAIT:g} s")
                pause = min(1.0, 0.02 * 2 ** attempt)  # busy: back off, up to a second at a time
                attempt += 1
                time.sleep(pause)
                waited += pause
            if resp.status_code == 200:
                try:
                    rep = report_from_dict(resp.json()["report"])
                    if config is not None:
                        rep = dataclasses.replace(rep, signature={**rep.signature, "config": config})
                except (ValueError, KeyError, TypeError) as exc:
                    raise ToolError(f"mtqa server at {self.url} sent a bad report: {_short(exc)}") from None
                self.remote_used += 1
                return rep
            msg = self._message(resp)
            if resp.status_code == 422:
                raise InputError(msg)
            if resp.status_code == 503:
                raise ToolError(f"mtqa server at {self.url}: {msg}")
            if resp.status_code in (401, 413):
                raise Unavailable(f"mtqa server at {self.url}: {msg}")
            raise ToolError(f"mtqa server at {self.url} failed: HTTP {resp.status_code}: {msg}")
        except Unavailable as exc:
            local = self._fall_back(str(exc))
            return local.check(text, path, settings, regions=regions, suppressions=suppressions, source=source, config=config,
                               masks=masks)


def _reason(exc: BaseException) -> str:
    """One short reason for a failed request ("connection refused", "no answer in time")."""
    import http.client

    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "it closed the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.strip().rstrip(".").lower()
    return _short(exc, 80)


def _short(exc: BaseException, limit: int = 160) -> str:
    s = " ".join(str(exc).split()) or type(exc).__name__
    return s if len(s) <= limit else s[: limit - 1] + "…"


def checker_factory(server: str, token: Optional[str] = None):
    """For ``mtqa.run.batch.run(..., checker_factory=...)``."""

    def make(backends: Backends) -> RemoteChecker:
        return RemoteChecker(server, backends, token)

    return make
