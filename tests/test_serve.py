"""`mtqa serve` end to end: a real `mtqa serve` subprocess (on the session's LanguageTool
via --lt-url), real HTTP clients (requests, language_tool_python) and the real CLI, whose
output the server's must equal byte for byte."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "seed" / "sample-article.txt"
EXAMPLE = ROOT / "examples" / "economic-forum.txt"
FAST = ("--no-model", "--no-qe")
TOKEN = "s3cret-token-for-tests"
NO_PROXY = {"http": None, "https": None}


def sample_text() -> str:
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    return SAMPLE.read_text(encoding="utf-8")


def _env(extra=None) -> dict:
    e = {**os.environ, **(extra or {})}
    for k in ("MTQA_SERVER", "MTQA_SERVER_TOKEN", "MTQA_SERVE_TOKEN"):
        if k not in (extra or {}):
            e.pop(k, None)
    return e


def mtqa(*args, input=None, cwd=None, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "mtqa", *args], input=input, capture_output=True, cwd=cwd,
                          env=_env(env), timeout=timeout)


class Served:
    """A `mtqa serve` subprocess; ``url`` once it says it is serving."""

    def __init__(self, *args, cwd, env=None, timeout=180):
        self.proc = subprocess.Popen([sys.executable, "-m", "mtqa", "serve", "--port", "0", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                                     env=_env(env), text=True)
        self.lines: list[str] = []
        self.url = None
        ready = threading.Event()

        def drain():
            for line in self.proc.stderr:
                self.lines.append(line)
                if line.startswith("mtqa: serving on "):
                    self.url = line.split()[3]
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(timeout)
        if self.url is None:
            self.stop()
            pytest.fail("mtqa serve did not start: " + "".join(self.lines)[-2000:], pytrace=False)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def get(self, path, **kw):
        return requests.get(self.url + path, proxies=NO_PROXY, timeout=120, **kw)

    def post(self, path, **kw):
        return requests.post(self.url + path, proxies=NO_PROXY, timeout=120, **kw)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The working directory of the server and of the CLI runs (the same config: none),
    with its own MTQA_CACHE (port file, result cache)."""
    d = tmp_path_factory.mktemp("serve")
    (d / "cache").mkdir()
    (d / "article.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (d / "notes.md").write_text("# Forum\n\nIn 2019, trade exceeded $ 30 billion.\n\n"
                                "```\n$ 5 million in code\n```\n\nAn interested discussion took place.\n",
                                encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def server(lt_url, work):
    s = Served("--lt-url", lt_url, *FAST, cwd=work, env={"MTQA_CACHE": str(work / "cache")})
    yield s
    s.stop()
    assert s.proc.returncode == 0, "".join(s.lines)
    assert not (work / "cache" / "serve.json").exists()  # the port file goes with the server


@pytest.fixture(scope="module")
def strict(lt_url, work):
    """Off loopback with a token, one check at a time, no queue, 20 kB bodies."""
    s = Served("--host", "0.0.0.0", "--token", TOKEN, "--lt-url", lt_url, *FAST, "--max-concurrent", "1",
               "--max-queue", "0", "--max-bytes", "20000", "--port-file", "none", cwd=work)
    yield s
    s.stop()


def cli(work, *args, **kw):
    return mtqa(*args, cwd=work, env={"MTQA_CACHE": str(work / "cache"), **kw.pop("env", {})}, **kw)


# -- /v1: the same JSON as the CLI ---------------------------------------------------------

def test_check_is_the_cli_json(server, work, lt_url):
    p = cli(work, "check", "article.txt", "--format", "json", "--lt-url", lt_url, *FAST, "--no-cache")
    assert p.returncode == 0, p.stderr.decode()
    text = (work / "article.txt").read_text(encoding="utf-8")
    r = server.post("/v1/check", json={"text": text, "path": "article.txt"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.content == p.stdout  # byte for byte: the CLI's renderer
    doc = r.json()["documents"][0]
    assert doc["findings"] and doc["signature"]["languagetool"]


def test_check_options_and_markdown_are_the_cli_json(server, work, lt_url):
    p = cli(work, "check", "notes.md", "--format", "json", "--lt-url", lt_url, *FAST, "--no-cache",
            "--select", "NUM,CAL")
    assert p.returncode == 0, p.stderr.decode()
    text = (work / "notes.md").read_text(encoding="utf-8")
    r = server.post("/v1/check", json={"text": text, "path": "notes.md", "select": ["NUM", "CAL"]})
    assert r.status_code == 200, r.text
    assert r.content == p.stdout
    # the same as format=markdown without a path (stdin, like `cat notes.md | mtqa check -`)
    r2 = server.post("/v1/check", json={"text": text, "format": "markdown", "select": "NUM,CAL"})
    d1, d2 = r.json()["documents"][0], r2.json()["documents"][0]
    assert d2["path"] == "<stdin>" and d1["findings"] == d2["findings"]
    rules = {f["rule_id"] for f in d1["findings"]}
    assert rules and all(r.startswith(("NUM", "CAL")) for r in rules), rules
    assert "$ 5 million" not in [text[f["start"]:f["end"]] for f in d1["findings"]]  # code is not prose


def test_fix_is_the_cli_fix(server, work, lt_url):
    p = cli(work, "fix", "article.txt", "--lt-url", lt_url, "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    text = (work / "article.txt").read_text(encoding="utf-8")
    r = server.post("/v1/fix", json={"text": text, "path": "article.txt"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["text"].encode("utf-8") == p.stdout
    assert f"{out['applied']} edit(s) applied" in p.stderr.decode()
    assert out["report"]["documents"][0]["post_edited"] == out["text"]


def test_cli_with_server_is_identical(server, work, lt_url):
    local = cli(work, "check", "article.txt", "notes.md", "--format", "json", "--lt-url", lt_url, *FAST,
                "--no-cache")
    served_before = server.get("/v1/health").json()["served"]
    remote = cli(work, "check", "article.txt", "notes.md", "--format", "json", "--lt-url", lt_url, *FAST,
                 "--no-cache", "--server", server.url)
    assert remote.returncode == local.returncode == 0, remote.stderr.decode()
    assert remote.stdout == local.stdout
    assert "note" not in remote.stderr.decode()
    assert server.get("/v1/health").json()["served"] == served_before + 2  # it really asked the server
    # MTQA_SERVER=auto: the port file the server wrote under its $MTQA_CACHE
    pf = json.loads((work / "cache" / "serve.json").read_text())
    assert pf["url"] == server.url
    auto = cli(work, "check", "article.txt", "--format", "summary", "--lt-url", lt_url, *FAST, "--no-cache",
               env={"MTQA_SERVER": "auto"})
    assert auto.returncode == 0 and not auto.stderr, auto.stderr.decode()
    assert server.get("/v1/health").json()["served"] == served_before + 3


def test_cli_falls_back_when_the_server_is_unreachable(work, lt_url):
    local = cli(work, "check", "article.txt", "--format", "json", "--lt-url", lt_url, *FAST, "--no-cache")
    p = cli(work, "check", "article.txt", "--format", "json", "--lt-url", lt_url, *FAST, "--no-cache",
            "--server", "http://127.0.0.1:9")
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout == local.stdout
    err = [line for line in p.stderr.decode().splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("mtqa: note: ") and "in-process" in err[0], err
    bad = cli(work, "check", "article.txt", "--server", "ftp://nowhere", *FAST, "--lt-url", lt_url)
    assert bad.returncode == 2 and bad.stderr.decode().startswith("mtqa: error: --server")


def test_health_and_rules(server):
    h = server.get("/v1/health")
    assert h.status_code == 200
    doc = h.json()
    assert doc["status"] == "ok" and doc["mtqa"]
    from mtqa import source_digest
    from mtqa.serve.client import incompatibility

    assert doc["code"] == source_digest()
    assert incompatibility({}, doc) is None
    assert "other mtqa code" in incompatibility({}, {**doc, "code": "0" * 12})
    assert doc["backends"]["languagetool"]["up"] is True and doc["backends"]["languagetool"]["version"]
    assert doc["backends"]["qe"]["enabled"] is False and doc["backends"]["model"]["enabled"] is False
    rules = server.get("/v1/rules").json()["rules"]
    ids = {r["id"] for r in rules}
    assert {"CAL001", "PAS001", "NUM001"} <= ids
    one = server.get("/v1/rules/num001").json()
    assert one["id"] == "NUM001" and one["doc"]
    assert server.get("/v1/rules/NOPE").status_code == 404


def test_bad_requests_are_one_line_json_errors(server, work):
    cases = [
        (dict(data=b"not json"), 400),
        (dict(json=["a list"]), 422),
        (dict(json={"text": 5}), 422),
        (dict(json={"text": "x", "select": ["ZZZ"]}), 422),
        (dict(json={"text": "x", "bogus": 1}), 422),
        (dict(json={"text": "x", "format": "pdf"}), 422),
        (dict(json={"text": "x", "style": "nyt"}), 422),
        (dict(json={"text": "a\x00b"}), 422),
        (dict(data=b'{"text": "\\ud800"}'), 422),
        (dict(data=b"\xff\xfe"), 400),
    ]
    for kw, status in cases:
        r = server.post("/v1/check", **kw)
        assert r.status_code == status, (kw, r.status_code, r.text)
        err = r.json()["error"]
        assert err["status"] == status and err["message"] and "\n" not in err["message"]
        assert "Traceback" not in r.text
    # the CLI's own message for the same mistake
    p = cli(work, "check", "article.txt", "--select", "ZZZ", "--no-languagetool", *FAST)
    r = server.post("/v1/check", json={"text": "x", "select": ["ZZZ"]})
    assert p.stderr.decode().strip() == "mtqa: error: " + r.json()["error"]["message"]
    assert server.get("/v1/nothing").json()["error"]["status"] == 404
    assert server.get("/v1/check").status_code == 405


# -- limits and auth -------------------------------------------------------------------------

def test_token_required_off_loopback(work):
    p = mtqa("serve", "--host", "0.0.0.0", "--port", "0", "--no-languagetool", *FAST, cwd=work, timeout=60)
    assert p.returncode == 2
    err = p.stderr.decode().strip()
    assert "\n" not in err and err.startswith("mtqa: error: --host 0.0.0.0") and "--token" in err


def test_token_is_checked(strict):
    H = {"Authorization": f"Bearer {TOKEN}"}
    r = strict.get("/v1/health")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert strict.get("/v1/health", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert strict.get("/v1/health", headers=H).status_code == 200
    assert strict.post("/v1/check", json={"text": "Fine."}).status_code == 401
    assert strict.post("/v1/check", json={"text": "Fine."}, headers=H).status_code == 200
    # LanguageTool clients send apiKey
    assert strict.post("/v2/check", data={"language": "en-US", "text": "Fine."}).status_code == 401
    assert strict.post("/v2/check", data={"language": "en-US", "text": "Fine.", "apiKey": TOKEN}).status_code == 200


def test_oversize_is_413(strict):
    H = {"Authorization": f"Bearer {TOKEN}"}
    r = strict.post("/v1/check", json={"text": "Word. " * 5000}, headers=H)
    assert r.status_code == 413, r.text
    assert "20,000 bytes" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: counted while read
        for _ in range(10):
            yield b'{"text": "' + b"a" * 3000

    r = strict.post("/v1/check", data=chunks(), headers=H)
    assert r.status_code == 413


def test_overload_is_429(strict):
    H = {"Authorization": f"Bearer {TOKEN}"}
    text = EXAMPLE.read_text(encoding="utf-8")[:18000]
    n = 8
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def one():
        barrier.wait()
        r = strict.post("/v1/check", json={"text": text}, headers=H)
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.headers.get("retry-after") and r.json()["error"]["code"] == "overloaded"

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {200, 429} and 200 in codes and 429 in codes, codes
    assert strict.post("/v1/check", json={"text": "Fine."}, headers=H).status_code == 200  # slots came back


# -- the LanguageTool-compatible API ---------------------------------------------------------

def test_language_tool_python_client(server):
    import language_tool_python

    text = sample_text()
    tool = language_tool_python.LanguageTool("en-US", remote_server=server.url, proxies=NO_PROXY)
    try:
        matches = tool.check(text)
    finally:
        tool.close()
    got = {}
    for m in matches:
        got.setdefault(m.rule_id, []).append(text[m.offset:m.offset + m.error_length])
    assert "CAL001" in got and any("interested discussion" in s for s in got["CAL001"]), got
    assert "PAS001" in got and any("adopted" in s for s in got["PAS001"]), got
    assert "NUM001" in got and all(s.startswith("$") for s in got["NUM001"]), got
    at = text.index("$ 30 billion")
    assert any(m.rule_id == "NUM001" and m.offset == at for m in matches)
    m = next(m for m in matches if m.rule_id == "NUM001")
    assert m.replacements and m.category and m.rule_issue_type
    assert m.context[m.offset_in_context:m.offset_in_context + m.error_length] == text[m.offset:m.offset + m.error_length]


def test_v2_offsets_are_utf16_and_rules_filter(server):
    text = "\U0001F600 Rally. In 2019, trade exceeded $ 30 billion. An interested discussion took place."
    r = server.post("/v2/check", data={"language": "en-US", "text": text})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["language"]["code"] == "en-US" and out["software"]["name"] == "mtqa"
    num = next(m for m in out["matches"] if m["rule"]["id"] == "NUM001")
    assert num["offset"] == text.index("$ 30") + 1  # the emoji is two UTF-16 units
    assert text.encode("utf-16-le")[2 * num["offset"]:2 * (num["offset"] + num["length"])].decode("utf-16-le").startswith("$")
    assert num["replacements"] == [{"value": "$"}] or num["replacements"][0]["value"].startswith("$")
    assert num["rule"]["category"]["id"] and num["rule"]["description"] and num["sentence"]
    off = server.post("/v2/check", data={"language": "en-US", "text": text, "disabledRules": "NUM001"}).json()
    assert "NUM001" not in {m["rule"]["id"] for m in off["matches"]}
    only = server.post("/v2/check", data={"language": "en-US", "text": text, "enabledRules": "CAL001",
                                          "enabledOnly": "true"}).json()
    assert {m["rule"]["id"] for m in only["matches"]} == {"CAL001"}
    # annotated text: markup is not checked, offsets are into the whole string
    data = {"annotation": [{"markup": "<p>"}, {"text": "Trade exceeded $ 30 billion."}, {"markup": "</p>"}]}
    ann = server.post("/v2/check", data={"language": "en-US", "data": json.dumps(data)}).json()
    num = next(m for m in ann["matches"] if m["rule"]["id"] == "NUM001")
    assert num["offset"] == len("<p>Trade exceeded ")
    # inline markup inside a sentence is masked: the sentence is checked whole, the markup never
    data = {"annotation": [{"markup": "<p>"}, {"text": "Trade with "}, {"markup": "<a href=\"https://x.example/1\">"},
                           {"text": "Turkey"}, {"markup": "</a>"}, {"text": " exceeded $ 30 billion."},
                           {"markup": "</p>", "interpretAs": "\n\n"}, {"text": "Next one."}]}
    ann = server.post("/v2/check", data={"language": "en-US", "data": json.dumps(data)}).json()
    whole = "".join(x.get("text", x.get("markup")) for x in data["annotation"])
    num = next(m for m in ann["matches"] if m["rule"]["id"] == "NUM001")
    assert whole[num["offset"]:num["offset"] + num["length"]].startswith("$")
    assert not any("href" in whole[m["offset"]:m["offset"] + m["length"]] for m in ann["matches"])
    bad = server.post("/v2/check", data={"language": "xx-YY", "text": "x"})
    assert bad.status_code == 400 and bad.text.startswith("Error: ")
    langs = server.get("/v2/languages").json()
    assert any(x["longCode"] == "en-US" for x in langs)
    info = server.get("/v2/configinfo?language=en-US").json()
    assert info["parameter"]["maxTextLength"] > 0


# -- the default stack (post-editing model and QE) ------------------------------------------

@pytest.mark.model
def test_default_stack_is_the_cli_json(lt_url, work):
    text = "In 2019, the volume of our trade with the states of the region exceeded $ 30 billion.\n"
    (work / "short.txt").write_text(text, encoding="utf-8")
    p = cli(work, "check", "short.txt", "--format", "json", "--lt-url", lt_url, "--model", "default",
            "--no-cache", timeout=600)
    assert p.returncode == 0, p.stderr.decode()
    s = Served("--lt-url", lt_url, "--model", "default", "--port-file", "none", cwd=work, timeout=600)
    try:
        r = s.post("/v1/check", json={"text": text, "path": "short.txt"})
        assert r.status_code == 200, r.text
        assert r.content == p.stdout
        sig = r.json()["documents"][0]["signature"]
        assert sig["model"] and sig["qe"]
    finally:
        s.stop()


# -- a backend failure -----------------------------------------------------------------------

class _FakeLanguageTool:
    """Answers like a LanguageTool server until ``broken`` is set, then fails every check."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        fake = self
        self.broken = False

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.startswith("/v2/configinfo"):
                    return self._send(200, {"software": {"version": "6.8"}, "parameter": {"maxTextLength": 20000}})
                if self.path.startswith("/v2/languages"):
                    if fake.broken:
                        return self._send(500, b"down")
                    return self._send(200, [{"name": "English (US)", "code": "en", "longCode": "en-US"}])
                return self._send(404, b"no")

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.broken:
                    return self._send(500, b"java.lang.OutOfMemoryError: boom")
                return self._send(200, {"software": {"version": "6.8"}, "language": {"code": "en-US"},
                                        "matches": []})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_backend_failure_is_503(work):
    fake = _FakeLanguageTool()
    s = Served("--lt-url", fake.url, *FAST, "--port-file", "none", cwd=work)
    try:
        assert s.post("/v1/check", json={"text": "It is fine."}).status_code == 200
        fake.broken = True
        r = s.post("/v1/check", json={"text": "It is fine."})
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "backend_unavailable" and "LanguageTool" in err["message"]
        assert "Traceback" not in r.text and "\n" not in err["message"]
        v2 = s.post("/v2/check", data={"language": "en-US", "text": "It is fine."})
        assert v2.status_code == 503 and v2.text.startswith("Error: ")
        h = s.get("/v1/health")
        assert h.status_code == 503 and h.json()["status"] == "degraded"
        fake.broken = False
        assert s.post("/v1/check", json={"text": "It is fine."}).status_code == 200  # and back
    finally:
        s.stop()
        fake.close()
    assert s.proc.returncode == 0


def test_the_cli_client_does_not_load_numpy():
    # what `mtqa check --server` imports before it sends a document: no QE model, no numpy,
    # and no `requests` (the client speaks http.client: 33 ms less per warm check)
    code = ("import sys, mtqa.cli.main, mtqa.run.batch, mtqa.serve.client\n"
            "from mtqa.run.signature import backend_ids\n"
            "from mtqa.run.settings import Backends\n"
            "backend_ids(Backends(model=True))\n"
            "print('numpy' in sys.modules, 'torch' in sys.modules, 'requests' in sys.modules)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["False", "False", "False"]


def test_the_client_reconnects_to_a_server_that_closed_an_idle_connection():
    """The CLI client keeps one connection per thread (http.client).  One the server has
    closed since (uvicorn closes idle ones after 5 s) is retried once on a new connection,
    not taken for a server gone; a port nobody listens on is one clear reason."""
    import http.server
    import socket

    from mtqa.run.settings import Backends
    from mtqa.serve.client import RemoteChecker, Unavailable

    peers = []

    class ClosesAfterEachAnswer(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise: it never says

        def do_GET(self):
            peers.append(self.client_address[1])  # before the answer: the client waits for it
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ClosesAfterEachAnswer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rc = RemoteChecker("auto", Backends(languagetool=False, qe=False))
        rc.url = f"http://127.0.0.1:{srv.server_port}/prefix"
        for _ in range(3):
            a = rc._request("GET", "/v1/health")
            assert a.status_code == 200 and a.json() == {"path": "/prefix/v1/health"}
        assert len(peers) == 3 and len(set(peers)) == 3  # a new connection for each
    finally:
        srv.shutdown()
        srv.server_close()
    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc.url = f"http://127.0.0.1:{port}"
    rc._tls.conn = None
    with pytest.raises(Unavailable, match=r"is not reachable \(connection refused\)$"):
        rc._request("GET", "/v1/health")
