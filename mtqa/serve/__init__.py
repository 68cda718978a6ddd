"""`mtqa serve`: one warm :class:`mtqa.run.checker.Checker` behind a local HTTP API.

Modules:

* :mod:`.core`     the service without HTTP: requests in, the CLI's reports out;
* :mod:`.app`      the FastAPI application (``/v1/*`` and the LanguageTool-compatible ``/v2/*``),
                   auth, size and concurrency limits, JSON errors;
* :mod:`.ltcompat` mtqa findings as LanguageTool matches (UTF-16 offsets);
* :mod:`.wire`     Settings / regions / suppressions <-> JSON, for ``mtqa check --server``;
* :mod:`.client`   the CLI side: a Checker look-alike that asks the server, falling back to
                   an in-process Checker with a one-line note when the server cannot be had;
* :mod:`.server`   start-up: host/token policy, the port file, uvicorn.

See docs/api.md."""
from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_BYTES = 4 * 1024 * 1024  # request body limit (a 2,000,000-char document fits as UTF-8 Latin)
DEFAULT_MAX_CONCURRENT = 2  # checks running at once
DEFAULT_MAX_QUEUE = 32  # requests waiting for a slot; beyond that: 429
PORT_FILE_NAME = "serve.json"
