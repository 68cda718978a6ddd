"""The HTTP application: FastAPI routes over a :class:`mtqa.serve.core.Service`.

Status codes (docs/api.md): 200 ok; 400 malformed request (not JSON, wrong field types);
401 missing or wrong token; 404/405 no such endpoint/method; 413 body over the size
limit; 422 input error (the CLI's exit-2 errors: unknown rule prefix, invalid text,
document over the size limit); 429 every check slot and queue place taken (Retry-After);
503 a backend (LanguageTool, a model) failed or is down; 500 a bug.  Every error is JSON
``{"error": {"status", "code", "message"}}`` with a one-line message (the LanguageTool-
compatible /v2 endpoints answer errors in plain text, as LanguageTool does); no traceback
ever reaches a client."""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Optional
from urllib.parse import parse_qs

from fastapi import Request  # module level: the routes' annotations are resolved here

from mtqa.errors import InputError, MtqaError, ToolError
from mtqa.serve import DEFAULT_MAX_BYTES, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_QUEUE

log = logging.getLogger("mtqa.serve")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_queue: int = DEFAULT_MAX_QUEUE
    token: Optional[str] = None


class BadRequest(Exception):
    pass


class BodyTooLarge(Exception):
    pass


class Overloaded(Exception):
    pass


class Unauthorized(Exception):
    pass


class Gate:
    """At most ``running`` checks at once, at most ``queued`` more waiting; beyond: 429."""

    def __init__(self, running: int, queued: int):
        self.running = max(1, running)
        self.capacity = self.running + max(0, queued)
        self.inside = 0
        self._sem: Optional[asyncio.Semaphore] = None

    @contextlib.asynccontextmanager
    async def slot(self):
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.running)
        if self.inside >= self.capacity:
            raise Overloaded()
        self.inside += 1
        try:
            async with self._sem:
                yield
        finally:
            self.inside -= 1


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` is refused (413) from its Content-Length
    before it is read, or as soon as the bytes read pass the limit."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for k, v in scope.get("headers") or ():
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = -1
                if n > self.max_bytes or n < 0:
                    resp = _error_response(scope.get("path", ""), 413 if n >= 0 else 400,
                                           "too_large" if n >= 0 else "bad_request",
                                           _too_large(self.max_bytes) if n >= 0 else "bad Content-Length")
                    return await resp(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            msg = await receive()
            if msg.get("type") == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return msg

        return await self.app(scope, limited, send)


def _too_large(n: int) -> str:
    return f"request body over the limit of {n:,} bytes (mtqa serve --max-bytes)"


CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
         413: "too_large", 422: "input_error", 429: "overloaded", 500: "internal_error",
         503: "backend_unavailable"}


def _one_line(s: str, limit: int = 500) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _error_response(path: str, status: int, code: str, message: str, headers: Optional[dict] = None):
    from starlette.responses import JSONResponse, PlainTextResponse

    message = _one_line(message)
    if path.startswith("/v2/"):  # LanguageTool answers errors in plain text, bad parameters with 400
        status = 400 if status == 422 else status
        return PlainTextResponse(f"Error: {message}", status_code=status, headers=headers)
    return JSONResponse({"error": {"status": status, "code": code, "message": message}},
                        status_code=status, headers=headers)


def create_app(service, limits: Limits = Limits()):
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.responses import JSONResponse, Response

    from mtqa import __version__
    from mtqa.serve import ltcompat
    from mtqa.serve.core import dumps

    app = FastAPI(title="mtqa", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/v1/openapi.json")
    gate = Gate(limits.max_concurrent, limits.max_queue)
    app.state.gate = gate
    app.state.service = service

    def err(request, status: int, message: str, headers=None):
        return _error_response(request.url.path, status, CODES.get(status, "error"), message, headers)

    @app.exception_handler(InputError)
    async def _input(request, exc):
        return err(request, 422, str(exc))

    @app.exception_handler(ToolError)
    async def _tool(request, exc):
        return err(request, 503, str(exc))

    @app.exception_handler(MtqaError)
    async def _mtqa(request, exc):
        return err(request, 503, str(exc))

    @app.exception_handler(BadRequest)
    async def _bad(request, exc):
        return err(request, 400, str(exc))

    @app.exception_handler(BodyTooLarge)
    async def _large(request, exc):
        return err(request, 413, _too_large(limits.max_bytes))

    @app.exception_handler(Overloaded)
    async def _over(request, exc):
        return err(request, 429, f"busy: {gate.running} check(s) running and {gate.capacity - gate.running} "
                                 "waiting (mtqa serve --max-concurrent/--max-queue); retry later",
                   headers={"Retry-After": "1"})

    @app.exception_handler(Unauthorized)
    async def _unauth(request, exc):
        return err(request, 401, str(exc) or "missing or wrong token", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc):
        return err(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        return err(request, 400, "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}"
                                           for e in exc.errors()) or "bad request")

    @app.exception_handler(Exception)
    async def _bug(request, exc):
        log.error("internal error on %s", request.url.path, exc_info=exc)
        return err(request, 500, f"internal error: {type(exc).__name__}: {exc}")

    def auth(request: Request, api_key: Optional[str] = None) -> None:
        if not limits.token:
            return
        got = None
        h = request.headers.get("authorization", "")
        if h[:7].lower() == "bearer ":
            got = h[7:].strip()
        elif api_key is not None:
            got = api_key
        if got is None:
            raise Unauthorized("this server needs a token: send 'Authorization: Bearer TOKEN'")
        if not hmac.compare_digest(got.encode("utf-8", "replace"), limits.token.encode("utf-8")):
            raise Unauthorized("wrong token")

    async def json_body(request: Request):
        raw = await request.body()
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadRequest(f"the request body is not UTF-8 (byte offset {exc.start})") from None
        except ValueError as exc:
            raise BadRequest(f"the request body is not JSON: {exc}") from None

    async def checked(fn, *args):
        async with gate.slot():
            return await run_in_threadpool(fn, *args)

    @app.get("/")
    async def root(request: Request):
        return {"name": "mtqa", "version": __version__, "docs": "docs/api.md",
                "endpoints": ["/v1/check", "/v1/fix", "/v1/health", "/v1/rules", "/v2/check",
                              "/v2/languages", "/v2/configinfo"]}

    @app.post("/v1/check")
    async def v1_check(request: Request):
        auth(request)
        body = await json_body(request)
        text = await checked(service.check, body)
        return Response(text, media_type="application/json; charset=utf-8")

    @app.post("/v1/fix")
    async def v1_fix(request: Request):
        auth(request)
        body = await json_body(request)
        out = await checked(service.fix, body)
        return Response(dumps(out), media_type="application/json; charset=utf-8")

    @app.post("/v1/report")
    async def v1_report(request: Request):
        auth(request)
        body = await json_body(request)
        out = await checked(service.report, body)
        return Response(dumps(out), media_type="application/json; charset=utf-8")

    @app.get("/v1/health")
    async def v1_health(request: Request):
        auth(request)
        ok, doc = await run_in_threadpool(service.health)
        doc["limits"] = {"max_bytes": limits.max_bytes, "max_concurrent": gate.running,
                         "max_queue": gate.capacity - gate.running, "token": bool(limits.token)}
        doc["in_flight"] = gate.inside
        return JSONResponse(doc, status_code=200 if ok else 503)

    @app.get("/v1/rules")
    async def v1_rules(request: Request):
        auth(request)
        return {"rules": service.rules()}

    @app.get("/v1/rules/{rule_id}")
    async def v1_rule(request: Request, rule_id: str):
        auth(request)
        for r in service.rules():
            if r["id"].lower() == rule_id.lower():
                return r
        return err(request, 404, f"unknown rule {rule_id!r} (see /v1/rules)")

    # -- LanguageTool-compatible ------------------------------------------------------------
    async def form(request: Request) -> dict:
        params = {k: v for k, v in request.query_params.items()}
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            raw = await request.body()
            if raw and ctype not in ("", "application/x-www-form-urlencoded"):
                raise BadRequest(f"send the parameters as application/x-www-form-urlencoded, not {ctype}")
            try:
                parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError as exc:
                raise BadRequest(f"the request body is not UTF-8 (byte offset {exc.start})") from None
            params.update({k: v[-1] for k, v in parsed.items()})
        return params

    def _ids(v: Optional[str]) -> list[str]:
        return [x.strip() for x in (v or "").split(",") if x.strip()]

    @app.api_route("/v2/check", methods=["GET", "POST"])
    async def v2_check(request: Request):
        p = await form(request)  # (at most --max-bytes of it)
        auth(request, api_key=p.get("apiKey"))
        lang = ltcompat.language(p.get("language"))
        text, data = p.get("text"), p.get("data")
        if text is None and data is None:
            raise InputError("Missing 'text' or 'data' parameter")
        enabled_only = (p.get("enabledOnly") or "false").lower() == "true"
        out = await checked(service.lt_check, text if data is None else "", lang,
                            data, _ids(p.get("enabledRules")), _ids(p.get("disabledRules")), enabled_only)
        off_cats = set(_ids(p.get("disabledCategories")))
        on_cats = set(_ids(p.get("enabledCategories")))
        if off_cats or (enabled_only and on_cats):
            out["matches"] = [m for m in out["matches"]
                              if m["rule"]["category"]["id"] not in off_cats
                              and (not (enabled_only and on_cats) or m["rule"]["category"]["id"] in on_cats)]
        return Response(dumps(out), media_type="application/json; charset=utf-8")

    @app.get("/v2/languages")
    async def v2_languages(request: Request):
        return ltcompat.LANGUAGES

    @app.get("/v2/configinfo")
    async def v2_configinfo(request: Request):
        auth(request, api_key=request.query_params.get("apiKey"))
        lang = ltcompat.language(request.query_params.get("language") or "en-US")
        return ltcompat.configinfo(lang, limits.max_bytes // 4)

    app.add_api_route("/v2/info", v2_configinfo, methods=["GET"])
    app.add_middleware(BodyLimit, max_bytes=limits.max_bytes)
    return app
