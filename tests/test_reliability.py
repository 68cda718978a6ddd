"""Reliability: nothing the user wrote is lost, nothing unchecked is reported clean, no
input stalls or aborts a run.  Each test reproduces one defect found by trying mtqa as a
user would (real files, real processes, a real LanguageTool server, a hung server as a
loopback socket)."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_cli import mtqa, one_line_error

BROKEN = "Trade exceeded $ 30 billion.\n"  # NUM001: a safe fix, no LanguageTool needed
FIXED = "Trade exceeded $30 billion.\n"
OFF = ("--no-languagetool", "--no-model")


# 1 -- symlinks, hard links, modes ------------------------------------------------------

def test_fix_in_place_follows_a_symlink(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text(BROKEN, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    p = mtqa("fix", str(link), "--in-place", *OFF)
    assert p.returncode == 0, p.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == FIXED


def test_fix_output_to_a_symlink_writes_its_target(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(BROKEN, encoding="utf-8")
    target = tmp_path / "out-real.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    p = mtqa("fix", str(src), "-o", str(link), *OFF)
    assert p.returncode == 0, p.stderr.decode()
    assert link.is_symlink() and target.read_text(encoding="utf-8") == FIXED


def test_fix_in_place_keeps_hard_links_and_mode(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(BROKEN, encoding="utf-8")
    os.chmod(a, 0o640)
    b = tmp_path / "b.txt"
    os.link(a, b)
    inode = a.stat().st_ino
    p = mtqa("fix", str(a), "--in-place", *OFF)
    assert p.returncode == 0, p.stderr.decode()
    assert a.stat().st_ino == inode and a.stat().st_nlink == 2
    assert b.read_text(encoding="utf-8") == FIXED
    assert stat.S_IMODE(a.stat().st_mode) == 0o640
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no copy left behind


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, umask, mode):
    src = tmp_path / "in.txt"
    src.write_text(BROKEN, encoding="utf-8")
    code = ("import os, sys; os.umask(%d); sys.argv = ['mtqa'] + sys.argv[1:]; "
            "from mtqa.cli.main import main; main()" % umask)
    env = {**os.environ, "MTQA_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "report.json"
    p = subprocess.run([sys.executable, "-c", code, "check", str(src), "-f", "json", "-o", str(out), *OFF, "--no-qe"],
                       capture_output=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    assert stat.S_IMODE(out.stat().st_mode) == mode
    entries = list((tmp_path / "cache" / "results").glob("*.json"))
    assert entries and all(stat.S_IMODE(e.stat().st_mode) == mode for e in entries)


# 2 -- a typo in --select is a usage error, not a clean run ------------------------------

@pytest.mark.parametrize("args", [("--select", "NUMM"), ("--ignore", "XYZ"), ("--opt-in", "CAL9")])
def test_unknown_rule_prefix_is_a_usage_error(tmp_path, args):
    f = tmp_path / "a.txt"
    f.write_text(BROKEN, encoding="utf-8")
    p = mtqa("check", str(f), *OFF, "--no-qe", *args, "--fail-on", "minor")
    assert p.returncode == 2
    assert "unknown rule id or prefix" in one_line_error(p)


def test_unknown_prefix_in_config_is_a_usage_error(tmp_path):
    (tmp_path / "mtqa.toml").write_text('select = ["NUM", "ARTT"]\n', encoding="utf-8")
    f = tmp_path / "a.txt"
    f.write_text(BROKEN, encoding="utf-8")
    p = mtqa("check", str(f), *OFF, "--no-qe", cwd=tmp_path)
    assert p.returncode == 2
    line = one_line_error(p)
    assert "mtqa.toml" in line and "select" in line and "ARTT" in line


def test_known_prefixes_still_select(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(BROKEN, encoding="utf-8")
    for sel in ("NUM", "NUM001", "LT:", "LT:MORFOLOGIK", "MDL:", "QE001", "SRC", "N"):
        p = mtqa("check", str(f), *OFF, "--no-qe", "--select", sel)
        assert p.returncode == 0, (sel, p.stderr.decode())


# 3 -- one oversized document does not abort the batch -----------------------------------

def test_unbroken_megabyte_is_refused_and_the_batch_goes_on(tmp_path):
    d = tmp_path / "batch"
    d.mkdir()
    (d / "big.txt").write_text("word " * 220_000, encoding="utf-8")  # 1.1 MB, no sentence break
    (d / "ok.txt").write_text(BROKEN, encoding="utf-8")
    t0 = time.time()
    p = mtqa("check", str(d), "-f", "json", *OFF, "--no-qe", "--select", "NUM,PUN,SCR,CAL")
    assert time.time() - t0 < 60
    assert p.returncode == 2, p.stderr.decode()
    err = p.stderr.decode()
    assert "big.txt" in err and "without a sentence break" in err and "Traceback" not in err
    docs = {Path(x["path"]).name: x for x in json.loads(p.stdout)["documents"]}
    assert set(docs) == {"ok.txt"}
    assert any(f["rule_id"] == "NUM001" for f in docs["ok.txt"]["findings"])


def test_long_unbroken_text_below_the_limit_is_split():
    from mtqa.segment import MAX_SENTENCE_CHARS, MAX_UNBROKEN_CHARS, segment_text

    text = "word " * (MAX_UNBROKEN_CHARS // 5 - 10)
    segs = segment_text(text)
    assert len(segs) > 1 and max(s.end - s.start for s in segs) <= MAX_SENTENCE_CHARS


def test_document_over_the_limit_is_its_own_input_error(tmp_path):
    from mtqa.segment import MAX_DOCUMENT_CHARS

    d = tmp_path / "batch"
    d.mkdir()
    (d / "huge.txt").write_text("A sentence. " * (MAX_DOCUMENT_CHARS // 12 + 10), encoding="utf-8")
    (d / "ok.txt").write_text(BROKEN, encoding="utf-8")
    p = mtqa("check", str(d), "-f", "json", *OFF, "--no-qe", "--select", "NUM")
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "huge.txt" in err and "limit" in err and "Traceback" not in err
    docs = [Path(x["path"]).name for x in json.loads(p.stdout)["documents"]]
    assert docs == ["ok.txt"]


# 4 -- rules are linear in sentence length ------------------------------------------------

def test_calque_rule_is_linear():
    from mtqa.checks.rules import run_rules
    from mtqa.types import Segment

    def secs(n: int) -> float:
        t = ("An interested discussion took place on topical issues " * (n // 55 + 1))[:n]
        t0 = time.perf_counter()
        run_rules(t, [Segment(0, len(t), t)], select=("CAL",))
        return time.perf_counter() - t0

    secs(2000)  # warm the pattern
    small, large = secs(20_000), secs(160_000)
    assert large < 20 * small + 0.5  # quadratic would be 64x


def test_segmenter_is_linear_and_caps_sentences():
    from mtqa.segment import MAX_SENTENCE_CHARS, segment_text

    text = "Mr. Smith went home. " * 20_000 + "x" * 10_000
    t0 = time.perf_counter()
    segs = segment_text(text)
    assert time.perf_counter() - t0 < 30
    assert max(s.end - s.start for s in segs) <= MAX_SENTENCE_CHARS
    assert all(text[s.start:s.end] == s.text for s in segs)


# 5 -- a LanguageTool that accepts but never answers ------------------------------------

class _Hung:
    """A loopback server that answers LanguageTool's start-up probes and then accepts
    /v2/check requests without ever answering them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.checks = 0
        self._conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(c)
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                return
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode()
        if "/v2/check" in line and "text=Test." not in line:
            self.checks += 1
            return  # never answer
        if "/v2/languages" in line:
            body = json.dumps([{"name": "English (US)", "code": "en", "longCode": "en-US"}])
        elif "/v2/configinfo" in line:
            body = json.dumps({"software": {"version": "6.8"}, "parameter": {"maxTextLength": 100000}})
        else:
            body = json.dumps({"software": {"version": "6.8"}, "matches": []})
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n%s" % (len(body), body.encode()))
        c.close()

    def close(self):
        self.sock.close()
        for c in self._conns:
            c.close()


def test_hung_languagetool_costs_the_timeout_and_one_retry(tmp_path):
    hung = _Hung()
    try:
        (tmp_path / "mtqa.toml").write_text("languagetool = { timeout = 3 }\n", encoding="utf-8")
        for name in ("a.txt", "b.txt"):
            (tmp_path / name).write_text("The talks went well.\n", encoding="utf-8")
        t0 = time.time()
        p = mtqa("check", "a.txt", "b.txt", "--lt-url", hung.url, "--no-model", "--no-qe", "--jobs", "1",
                 cwd=tmp_path)
        took = time.time() - t0
    finally:
        hung.close()
    assert p.returncode == 3
    line = one_line_error(p)
    assert "did not answer within 3 s" in line and "not checked" in line and "b.txt" in line
    assert hung.checks == 2  # one request and one retry
    assert took < 60


# 7 -- a cache entry that is valid JSON but wrong is recomputed ------------------------

@pytest.mark.parametrize("damage", ["score-string", "offset-past-text", "segment-text"])
def test_wrong_cache_entry_is_recomputed(tmp_path, damage):
    f = tmp_path / "a.txt"
    f.write_text(BROKEN, encoding="utf-8")
    env = {"MTQA_CACHE": str(tmp_path / "cache")}
    first = mtqa("check", str(f), "-f", "json", *OFF, "--no-qe", env=env)
    assert first.returncode == 0, first.stderr.decode()
    (entry,) = (tmp_path / "cache" / "results").glob("*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    rep = data["report"]
    if damage == "score-string":
        rep["score"] = "100"
    elif damage == "offset-past-text":
        rep["findings"][0]["end"] = len(rep["text"]) + 50
    else:
        rep["segments"][0]["text"] = "something else"
    entry.write_text(json.dumps(data), encoding="utf-8")
    again = mtqa("check", str(f), "-f", "json", *OFF, "--no-qe", env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert json.loads(again.stdout)["documents"] == json.loads(first.stdout)["documents"]


# 8 -- one-line usage errors, bad URLs, odd file names -----------------------------------

@pytest.mark.parametrize("args", [("check",), ("check", "a.txt", "--format", "nope"), ("fix", "a", "b"),
                                  ("check", "a.txt", "--bogus")])
def test_usage_errors_are_one_line(args, tmp_path):
    (tmp_path / "a.txt").write_text(BROKEN, encoding="utf-8")
    p = mtqa(*args, cwd=tmp_path)
    assert p.returncode == 2
    one_line_error(p)


def test_non_http_lt_url_is_a_usage_error(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(BROKEN, encoding="utf-8")
    p = mtqa("check", str(f), "--lt-url", "ftp://x", "--no-model", "--no-qe")
    assert p.returncode == 2
    assert "--lt-url" in one_line_error(p)


def test_odd_file_names_are_escaped_in_diff_and_github(tmp_path):
    name = "odd\nname\x1b[31m.txt"
    f = tmp_path / name
    f.write_text(BROKEN, encoding="utf-8")
    diff = mtqa("check", str(f), "-f", "diff", *OFF, "--no-qe")
    assert diff.returncode == 0, diff.stderr.decode()
    out = diff.stdout.decode()
    assert "\x1b" not in out
    heads = [ln for ln in out.splitlines() if ln.startswith(("--- ", "+++ "))]
    assert len(heads) == 2 and all("odd\\nname\\033[31m.txt" in h for h in heads)
    gh = mtqa("check", str(f), "-f", "github", *OFF, "--no-qe")
    text = gh.stdout.decode()
    assert "\x1b" not in text and text.count("\n") == text.count("::warning") + text.count("::error")
