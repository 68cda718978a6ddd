"""Starting `mtqa serve`: the host/token policy, the warm service, the port file, uvicorn.

The socket is bound before uvicorn starts (``--port 0`` takes a free port), the
Checker is opened and warmed, and only then is one line printed on stderr:

    mtqa: serving on http://127.0.0.1:8765 (...)

and the port file ($MTQA_CACHE/serve.json unless --port-file) written, so that whoever
reads either finds a server that answers."""
from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from pathlib import Path
from typing import Optional

from mtqa.errors import InputError
from mtqa.serve import PORT_FILE_NAME
from mtqa.serve.app import Limits


def is_loopback(host: str) -> bool:
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def default_port_file() -> Path:
    from mtqa.models.lm import cache_dir

    return Path(cache_dir()) / PORT_FILE_NAME


def check_policy(host: str, port: int, token: Optional[str], max_bytes: int, max_concurrent: int,
                 max_queue: int) -> None:
    """Usage errors (exit 2), before anything heavy starts."""
    if not host:
        raise InputError("--host: empty host")
    if not is_loopback(host) and not token:
        raise InputError(f"--host {host} is not a loopback address: give --token TOKEN (or MTQA_SERVE_TOKEN) "
                         "so that only clients with the token can use the server")
    if token is not None and (len(token) < 8 or any(c.isspace() for c in token)):
        raise InputError("--token: use at least 8 characters and no spaces")
    if not 0 <= port <= 65535:
        raise InputError(f"--port: {port} is not a TCP port (0 picks a free one)")
    if max_bytes < 1024:
        raise InputError("--max-bytes: at least 1024")
    if max_concurrent < 1 or max_queue < 0:
        raise InputError("--max-concurrent must be at least 1 and --max-queue at least 0")


def _bind(host: str, port: int) -> socket.socket:
    h = host.strip("[]")
    family = socket.AF_INET6 if ":" in h else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((h, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    h = host.strip("[]")
    shown = "127.0.0.1" if h in ("0.0.0.0", "") else ("[::1]" if h == "::" else (f"[{h}]" if ":" in h else h))
    return f"http://{shown}:{port}"


def _write_port_file(path: Path, url: str, host: str, port: int, token: bool) -> None:
    from mtqa.inputs.io import write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(str(path), json.dumps({"url": url, "host": host, "port": port, "pid": os.getpid(),
                                             "token": token}) + "\n")


def _remove_port_file(path: Path) -> None:
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def serve(cfg, opts, host: str, port: int, token: Optional[str], limits: Limits,
          port_file: Optional[str] = None, access_log: bool = False) -> None:
    import uvicorn

    from mtqa.serve.app import create_app
    from mtqa.serve.core import open_service

    import signal

    check_policy(host, port, token, limits.max_bytes, limits.max_concurrent, limits.max_queue)

    def _interrupt(_n, _f):  # SIGTERM while starting: unwind like Ctrl-C (backends are closed)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    limits = Limits(limits.max_bytes, limits.max_concurrent, limits.max_queue, token)
    sock = _bind(host, port)
    pf = None if port_file in ("", "none", "-") else Path(port_file) if port_file else default_port_file()
    try:
        with open_service(cfg, opts) as service:
            app = create_app(service, limits)
            real_port = sock.getsockname()[1]
            url = _url(host, real_port)
            config = uvicorn.Config(app, log_level="warning", access_log=access_log, lifespan="off",
                                    timeout_graceful_shutdown=10)
            server = uvicorn.Server(config)
            if pf is not None:
                try:
                    _write_port_file(pf, url, host, real_port, bool(token))
                except OSError as exc:
                    print(f"mtqa: note: cannot write the port file {pf}: {exc.strerror or exc}", file=sys.stderr)
                    pf = None
            sig = service.checker.signature()
            on = ", ".join(f"{k} {v}" for k, v in sig.items() if k != "rules" and v) or "rules only"
            print(f"mtqa: serving on {url} ({on}; Ctrl-C stops)", file=sys.stderr, flush=True)
            stopped_by: list[int] = []
            # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to
            # the handlers it found: these record it, so that the Checker is closed (and a
            # LanguageTool server we started is stopped) and mtqa exits 0.
            previous = {sg: signal.signal(sg, lambda n, _f: stopped_by.append(n))
                        for sg in (signal.SIGINT, signal.SIGTERM)}
            try:
                server.run(sockets=[sock])
            finally:
                for sg, h in previous.items():
                    signal.signal(sg, h)
                if pf is not None:
                    _remove_port_file(pf)
            print("mtqa: stopped", file=sys.stderr, flush=True)
    finally:
        sock.close()
