"""The LanguageTool backend: against the real server of the session (tests/conftest.py), plus
pure tests of the offset conversion, the mapping and the splitting."""
from __future__ import annotations

import os
import socket
import stat

import pytest

from mtqa.errors import ToolError
from mtqa.checks.languagetool import LanguageToolBackend, LanguageToolServer, open_languagetool
from mtqa.checks.languagetool import backend as B
from mtqa.checks.languagetool import server as S
from mtqa.types import Category, Origin, Severity

lt = pytest.mark.languagetool


def by_rule(findings, rule_id):
    return [f for f in findings if f.rule_id == rule_id]


def one(findings, rule_id):
    hits = by_rule(findings, rule_id)
    assert len(hits) == 1, (rule_id, findings)
    return hits[0]


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on exit: nothing listens there


# --- the real server ------------------------------------------------------------------


@lt
def test_mt_sentences(lt_backend):
    text = "He go to school yesterday. This is an test."
    fs = lt_backend.check(text)
    agr = [f for f in fs if text[f.start : f.end] == "go"]
    assert agr, fs
    f = agr[0]
    assert f.rule_id.startswith("LT:") and f.origin is Origin.LANGUAGETOOL
    assert f.category is Category.GRAMMAR and f.severity is Severity.MAJOR
    assert "went" in f.replacements or "goes" in f.replacements
    assert f.message

    a = one(fs, "LT:EN_A_VS_AN")
    assert text[a.start : a.end] == "an"
    assert a.replacements == ("a",)
    assert a.safe and a.confidence >= 0.9
    assert a.category is Category.GRAMMAR


@lt
def test_spelling_is_never_safe(lt_backend):
    text = "Ivan Petrovich Sidorov arrived in Moskow on Monday."
    fs = lt_backend.check(text)
    f = [f for f in by_rule(fs, "LT:MORFOLOGIK_RULE_EN_US") if text[f.start : f.end] == "Moskow"][0]
    assert f.replacements[0] == "Moscow" and not f.safe
    spelled = [f for f in fs if f.category is Category.SPELLING]
    assert spelled and not any(f.safe for f in spelled)
    # a clear typo of a common word is major; an unknown name the speller has no close
    # common word for is minor (mtqa.checks.languagetool.policy.confident_typo)
    assert f.severity is Severity.MAJOR
    assert all(x.severity is Severity.MINOR for x in spelled if text[x.start:x.end] in ("Petrovich", "Sidorov"))
    assert all(len(f.replacements) <= 5 for f in fs)


@lt
def test_punctuation_fixes_are_safe_and_minor(lt_backend):
    text = "The cat sat on the mat . It was good,, really."
    fs = lt_backend.check(text)
    ws = one(fs, "LT:COMMA_PARENTHESIS_WHITESPACE")
    assert text[ws.start : ws.end] == " ." and ws.replacements == (".",)
    dp = one(fs, "LT:DOUBLE_PUNCTUATION")
    assert text[dp.start : dp.end] == ",,"
    for f in (ws, dp):
        assert f.safe and f.category is Category.PUNCTUATION and f.severity is Severity.MINOR


OFFSET_CASES = {
    "emoji before": "\U0001F600\U0001F600 Hi! This is an test. He go to school.",
    "emoji between": "Great \U0001F44D\U0001F3FD news \U0001F600. This is an test. \U0001F600 He go to school.",
    "combining marks": "Cafe\u0301 and nai\u0308ve re\u0301sume\u0301. This is an test. He go to school.",
    "crlf": "First line is fine.\r\nThis is an test.\r\n\r\nHe go to school.\r\n",
    "nbsp": "It costs 5\u00a0000\u00a0rubles. This is an test. He go to school.",
    "all at once": "\ufeffx \U0001F600\r\ne\u0301\u00a0\U0001F680\U0001F680 This is an test. He go to school \U0001F600.",
}


@lt
@pytest.mark.parametrize("name", sorted(OFFSET_CASES))
def test_offsets_are_code_points(lt_backend, name):
    text = OFFSET_CASES[name]
    fs = lt_backend.check(text)
    a = one(fs, "LT:EN_A_VS_AN")
    assert text[a.start : a.end] == "an"
    assert a.start == text.index(" an test") + 1
    assert any(text[f.start : f.end] == "go" for f in fs), fs
    for f in fs:  # every span is a real slice, never cutting a character in two
        assert 0 <= f.start <= f.end <= len(text)


@lt
def test_long_text_is_split_on_paragraphs(lt_url):
    paras = [
        f"Paragraph {i} \U0001F600 says this is an test and more words follow here." for i in range(12)
    ]
    text = "\n\n".join(paras) + "\n"
    small = LanguageToolBackend(lt_url, max_chars=230)
    assert len(B.split_text(text, small.max_chars)) > 3
    fs = small.check(text)
    hits = by_rule(fs, "LT:EN_A_VS_AN")
    assert len(hits) == 12
    assert all(text[f.start : f.end] == "an" for f in hits)
    assert [f.start for f in fs] == sorted(f.start for f in fs)


@lt
def test_options_disabled_rules_and_categories(lt_url):
    text = "This is an test. Teh cat sat."
    off = LanguageToolBackend(lt_url, disabled_rules=["LT:EN_A_VS_AN"], disabled_categories=["TYPOS"])
    fs = off.check(text)
    assert not by_rule(fs, "LT:EN_A_VS_AN")
    assert not [f for f in fs if f.category is Category.SPELLING]
    assert LanguageToolBackend(lt_url, picky=True).check("") == []


@lt
def test_external_url_mode(lt_url, lt_backend, monkeypatch):
    text = "This is an test. He go to school."
    expected = lt_backend.check(text)
    second = LanguageToolBackend(lt_url.rstrip("/") + "/v2/")  # /v2 or not: same server
    assert second.url == lt_backend.url
    assert second.check(text) == expected
    assert second.version == lt_backend.version
    with open_languagetool(lt_url) as b:
        assert b.url == lt_backend.url and b.check(text) == expected
    monkeypatch.setenv("MTQA_LT_URL", lt_url)
    with open_languagetool() as b:
        assert b.url == lt_backend.url and b.check(text) == expected


@lt
def test_version(lt_backend):
    assert lt_backend.version.split(".")[0].isdigit()
    lt_home = S.find_lt_home() if not os.environ.get("MTQA_LT_URL") else None
    if lt_home is not None and (lt_home / "VERSION").is_file():
        assert lt_backend.version == (lt_home / "VERSION").read_text().strip()


def test_dead_url_is_a_tool_error():
    url = f"http://127.0.0.1:{dead_port()}"
    with pytest.raises(ToolError) as err:
        LanguageToolBackend(url)
    assert "\n" not in str(err.value) and url in str(err.value)
    with pytest.raises(ToolError):
        with open_languagetool(url):
            pass


@lt
def test_server_lifecycle(lt_server):
    """A second JVM (no warm-up check, so a few seconds): loopback only, a version, gone
    after the ``with``."""
    psutil = pytest.importorskip("psutil")
    with LanguageToolServer(S.find_lt_home(), warm_up=False) as srv:
        pid = srv.pid
        assert srv.alive and srv.url.startswith("http://127.0.0.1:")
        assert srv.version == lt_server.version
        assert S.http_json(srv.url + "/v2/languages")
        listening = [c for c in psutil.Process(pid).net_connections(kind="inet") if c.status == "LISTEN"]
        assert listening and all(c.laddr.ip in ("127.0.0.1", "::ffff:127.0.0.1", "::1") for c in listening)
        url = srv.url
    assert not srv.alive and srv.pid is None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(ToolError) as err:
        LanguageToolBackend(url)
    assert "\n" not in str(err.value)
    srv.stop()  # idempotent


@lt
def test_the_result_cache_changes_no_match(lt_server):
    """mtqa's server runs with LanguageTool's result cache (SERVER_CONFIG); a document
    checked again after an edit gets exactly the matches of a server without it."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "examples" / "economic-forum.txt").read_text(encoding="utf-8")
    edited = text.replace(" the ", " teh ", 1)
    assert lt_server.server_config == S.SERVER_CONFIG and "cacheSize" in S.SERVER_CONFIG
    cached = LanguageToolBackend(lt_server.url)
    with LanguageToolServer(S.find_lt_home(), warm_up=False, config={}) as plain_srv:
        plain = LanguageToolBackend(plain_srv.url)
        for t in (text, edited, text, edited):  # the second round comes from the cache
            assert cached.check(t) == plain.check(t)
        assert any(edited[f.start:f.end] == "teh" for f in plain.check(edited))
    config = lt_server._config
    assert config and Path(config).is_file()


class FakeLT:
    """A stand-in LanguageTool HTTP server (threads, loopback) whose check answer is set
    per test: for failures the real server cannot be made to produce on demand."""

    def __init__(self):
        import http.server
        import json
        import threading

        fake = self
        self.check_status, self.check_body = 200, {"software": {"version": "fake"}, "matches": []}

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, body):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.startswith("/v2/languages"):
                    self._send(200, [{"name": "English (US)", "code": "en", "longCode": "en-US"}])
                elif self.path.startswith("/v2/configinfo"):
                    self._send(200, {"software": {"version": "fake"}, "parameter": {"maxTextLength": 5000}})
                else:
                    self._send(404, "not found")

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(fake.check_status, fake.check_body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_lt():
    f = FakeLT()
    yield f
    f.close()


def test_failures_mid_run_are_tool_errors_never_empty(fake_lt):
    b = LanguageToolBackend(fake_lt.url)
    assert b.version == "fake" and b.max_chars == 5000
    assert b.check("Fine text.") == []  # a real, empty answer
    fake_lt.check_status, fake_lt.check_body = 500, "Error: Internal Error:\njava.lang.OutOfMemoryError"
    with pytest.raises(ToolError, match="OutOfMemoryError") as err:
        b.check("Fine text.")
    assert "\n" not in str(err.value)
    fake_lt.check_status, fake_lt.check_body = 200, {"unexpected": True}
    with pytest.raises(ToolError):
        b.check("Fine text.")
    fake_lt.close()  # the server goes away
    with pytest.raises(ToolError) as err:
        b.check("Fine text.")
    assert "\n" not in str(err.value)
    assert b.check("   \n ") == []  # nothing to check: no request, no error


# --- failures before any JVM runs -----------------------------------------------------


def test_missing_jars_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MTQA_LT_HOME", str(tmp_path))
    with pytest.raises(ToolError) as err:
        LanguageToolServer().start()
    msg = str(err.value)
    assert "\n" not in msg
    assert str(tmp_path / "lib") in msg and "`mtqa setup`" in msg and "--lt-url" in msg


def test_missing_java_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError) as err:
        S.find_java()
    assert "\n" not in str(err.value) and "java" in str(err.value)


def test_jvm_dying_at_start_is_one_line(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "languagetool-server-0.0.jar").write_bytes(b"")
    fake = tmp_path / "java"
    fake.write_text(
        "#!/bin/sh\necho 'Setting up'\necho 'java.lang.UnsupportedClassVersionError: too old' >&2\nexit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(ToolError) as err:
        LanguageToolServer(tmp_path, java=str(fake), startup_timeout=30).start()
    msg = str(err.value)
    assert "\n" not in msg and "UnsupportedClassVersionError" in msg and "code 1" in msg


def test_no_jars_and_no_download(tmp_path, monkeypatch):
    import mtqa.checks.languagetool as L

    monkeypatch.setenv("MTQA_LT_HOME", str(tmp_path))
    monkeypatch.delenv("MTQA_LT_URL", raising=False)

    def offline(language):
        raise ConnectionError("Failed to resolve 'internet.languagetool.org'\n(more)")

    monkeypatch.setattr(L, "_start_downloaded", offline)
    with pytest.raises(ToolError) as err:
        with open_languagetool():
            pass
    msg = str(err.value)
    assert "\n" not in msg and "`mtqa setup`" in msg and "download" in msg


# --- pure parts -----------------------------------------------------------------------


def test_utf16_index_round_trips():
    text = "a\U0001F600b\U0001F44D\U0001F3FDc e\u0301\r\n\u00a0d"
    idx = B.Utf16Index(text)
    assert idx.length == len(text.encode("utf-16-le")) // 2
    for cp in range(len(text) + 1):
        u16 = len(text[:cp].encode("utf-16-le")) // 2
        assert idx.to_utf16(cp) == u16
        assert idx.to_cp(u16) == cp
    assert idx.to_cp(2) == 2  # the middle of the first surrogate pair rounds up


def _match(text: str, u16_offset: int, u16_length: int, rule="X", cat="MISC", issue="other", reps=()):
    from language_tool_python.match import Match

    return Match(
        {
            "message": "msg",
            "replacements": [{"value": r} for r in reps],
            "offset": u16_offset,
            "length": u16_length,
            "context": {"text": text, "offset": u16_offset, "length": u16_length},
            "sentence": text,
            "rule": {"id": rule, "issueType": issue, "category": {"id": cat}},
        },
        text,
    )


def test_astral_inside_a_flagged_span_converted_once():
    text = "x \U0001F600\U0001F600 ab\U0001F680cd \U0001F600 tail"
    start = text.index("ab")
    u16_start = len(text[:start].encode("utf-16-le")) // 2
    u16_len = len("ab\U0001F680cd".encode("utf-16-le")) // 2  # 6 units, 5 code points
    f = B.finding_from_match(_match(text, u16_start, u16_len), text, base=100)
    assert (f.start - 100, f.end - 100) == (start, start + 5)
    assert text[f.start - 100 : f.end - 100] == "ab\U0001F680cd"


def test_split_text_prefers_paragraphs():
    paras = ["word " * 30 + "\U0001F600." for _ in range(5)]
    text = "\r\n\r\n".join(paras)
    pieces = B.split_text(text, 400)
    assert "".join(p for _, p in pieces) == text
    assert [o for o, _ in pieces] == [sum(len(p) for _, p in pieces[:i]) for i in range(len(pieces))]
    assert all(B.utf16_len(p) <= 400 for _, p in pieces)
    assert all(p.endswith("\r\n\r\n") for _, p in pieces[:-1])
    # an overlong paragraph without a single space is still cut, never inside a pair
    blob = "\U0001F600" * 300
    pieces = B.split_text(blob, 101)
    assert "".join(p for _, p in pieces) == blob and all(B.utf16_len(p) <= 101 for _, p in pieces)


@pytest.mark.parametrize(
    "cat,issue,rule,expected,severity",
    [
        ("TYPOS", "misspelling", "MORFOLOGIK_RULE_EN_US", Category.SPELLING, Severity.MAJOR),
        ("GRAMMAR", "grammar", "HE_VERB_AGR", Category.GRAMMAR, Severity.MAJOR),
        ("CASING", "uncategorized", "UPPERCASE_SENTENCE_START", Category.GRAMMAR, Severity.MINOR),
        ("PUNCTUATION", "typographical", "DOUBLE_PUNCTUATION", Category.PUNCTUATION, Severity.MINOR),
        ("TYPOGRAPHY", "whitespace", "WHITESPACE_RULE", Category.PUNCTUATION, Severity.MINOR),
        ("STYLE", "style", "TOO_LONG", Category.STYLE, Severity.MINOR),
        ("REDUNDANCY", "style", "X", Category.STYLE, Severity.MINOR),
        ("BRITISH_ENGLISH", "locale-violation", "X", Category.LOCALE, Severity.MINOR),
        ("MISC", "misspelling", "EN_A_VS_AN", Category.GRAMMAR, Severity.MAJOR),
        ("MISC", "duplication", "ENGLISH_WORD_REPEAT_RULE", Category.GRAMMAR, Severity.MAJOR),
        ("NEW_CATEGORY", "whitespace", "X", Category.PUNCTUATION, Severity.MINOR),
        ("NEW_CATEGORY", "other", "X", Category.STYLE, Severity.MINOR),
    ],
)
def test_mapping(cat, issue, rule, expected, severity):
    c = B.map_category(cat, issue, rule)
    assert c is expected
    assert B.map_severity(c, cat, issue) is severity


@pytest.mark.parametrize(
    "rule,cat,issue,flagged,reps,safe",
    [
        ("EN_A_VS_AN", Category.GRAMMAR, "misspelling", "an", ["a"], True),
        ("MORFOLOGIK_RULE_EN_US", Category.SPELLING, "misspelling", "Moskow", ["Moscow"], False),
        ("COMMA_PARENTHESIS_WHITESPACE", Category.PUNCTUATION, "whitespace", " .", ["."], True),
        ("SOME_PUNCT", Category.PUNCTUATION, "typographical", "end.Next", ["end. Next"], True),
        ("SOME_PUNCT", Category.PUNCTUATION, "typographical", "..", [".", "\u2026"], False),
        ("ELLIPSIS", Category.PUNCTUATION, "typographical", "...", ["\u2026"], False),
        ("EN_QUOTES", Category.PUNCTUATION, "typographical", '"', ["\u201c"], False),
        ("SOME_PUNCT", Category.PUNCTUATION, "typographical", "its", ["it's"], False),
        ("HE_VERB_AGR", Category.GRAMMAR, "grammar", "go", ["went"], False),
    ],
)
def test_safe(rule, cat, issue, flagged, reps, safe):
    assert B.is_safe(rule, cat, issue, flagged, reps) is safe


def test_normalize_url():
    assert B.normalize_url("localhost:8081") == "http://localhost:8081"
    assert B.normalize_url("http://127.0.0.1:8081/v2/") == "http://127.0.0.1:8081"
    with pytest.raises(ToolError):
        B.normalize_url("ftp://x")
