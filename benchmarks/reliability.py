#!/usr/bin/env python3
"""Faults, hostile input and size: what `mtqa` does, how long it takes and how much memory.

    .venv/bin/python benchmarks/reliability.py [--out FILE] [--fuzz-examples 500] [--skip-slow]

Every case runs the real command line in a subprocess (``/usr/bin/time`` records its peak
memory), on real files in a scratch directory, with a real LanguageTool server where the
case needs one (started here once; a hung server is a loopback socket that accepts and
never answers).  Then the fuzz group of the test suite (``pytest -m fuzz``) runs with
``--fuzz-examples`` examples per target instead of the suite's 40, and its outcome is
recorded.  Prints one markdown table: case, exit code, first line of stderr, seconds, peak
RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROKEN = "Trade exceeded $ 30 billion. The talks were held in Moscow.\n"
OFF = ["--no-languagetool", "--no-model", "--no-qe"]


def run(args, cwd, env=None, timeout=900, stdin=None):
    """(exit code, first stderr line, seconds, peak RSS MB) of `mtqa ARGS`."""
    rss_file = Path(cwd) / ".rss"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), sys.executable, "-m", "mtqa", *args]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout, env={**os.environ, **(env or {})},
                           input=stdin)
        rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, err = "timeout", ""
    secs = time.time() - t0
    try:
        rss = int(rss_file.read_text().strip().splitlines()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        rss = float("nan")
    first = next((ln for ln in err.splitlines() if ln.strip() and not ln.startswith("Command exited")), "")
    return rc, first, secs, rss


class Hung:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
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
            time.sleep(3600)
        body = json.dumps([{"name": "English", "code": "en", "longCode": "en-US"}] if "/languages" in line else
                          {"software": {"version": "6.8"}, "parameter": {"maxTextLength": 100000}, "matches": []})
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                  % (len(body), body.encode()))
        c.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None)
    ap.add_argument("--fuzz-examples", type=int, default=500)
    ap.add_argument("--skip-slow", action="store_true", help="leave out the 2,000-file and 5,000-item cases")
    args = ap.parse_args()

    from mtqa.checks.languagetool import LanguageToolServer

    rows = []

    def row(case, result, note=""):
        rc, first, secs, rss = result
        rows.append(f"| {case} | {rc} | {first.replace('|', '/')[:110]} | {secs:.1f} | {rss:.0f} | {note} |")
        print(rows[-1], file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp, LanguageToolServer() as lt:
        w = Path(tmp)
        env = {"MTQA_CACHE": str(w / "cache")}
        # 1 symlink / hard link
        (w / "real.txt").write_text(BROKEN, encoding="utf-8")
        (w / "link.txt").symlink_to(w / "real.txt")
        r = run(["fix", "link.txt", "--in-place", *OFF[:2]], w, env)
        row("`fix --in-place` on a symlink", r,
            f"link kept: {(w / 'link.txt').is_symlink()}; target fixed: {'$30' in (w / 'real.txt').read_text()}")
        (w / "h1.txt").write_text(BROKEN, encoding="utf-8")
        os.link(w / "h1.txt", w / "h2.txt")
        r = run(["fix", "h1.txt", "--in-place", *OFF[:2]], w, env)
        row("`fix --in-place` on a hard-linked file", r,
            f"links: {(w / 'h1.txt').stat().st_nlink}; other name fixed: {'$30' in (w / 'h2.txt').read_text()}")
        # 2 typo in --select
        row("`--select NUMM` (a typo)", run(["check", "real.txt", *OFF, "--select", "NUMM", "--fail-on", "minor"], w, env))
        # 3/4 size
        d = w / "big"
        d.mkdir()
        (d / "sentence.txt").write_text("word " * 200_000, encoding="utf-8")
        (d / "ok.txt").write_text(BROKEN, encoding="utf-8")
        r = run(["check", "big", "-f", "json", "-o", "big.json", "--lt-url", lt.url, "--no-model", "--no-qe"], w, env)
        n = len(json.loads((w / "big.json").read_text())["documents"]) if (w / "big.json").exists() else 0
        row("1 MB without a sentence break, beside a normal file (LanguageTool on)", r, f"documents reported: {n}")
        (w / "cal.txt").write_text(("An interested discussion took place on topical issues " * 2_000)[:99_000],
                                   encoding="utf-8")
        row("99k-character sentence, `--select CAL`", run(["check", "cal.txt", *OFF, "--select", "CAL"], w, env))
        (w / "huge.txt").write_text("A sentence here. " * 620_000, encoding="utf-8")
        row("10 MB article", run(["check", "huge.txt", *OFF], w, env))
        # 5 LanguageTool hung, killed, refusing
        hung = Hung()
        (w / "ok2.txt").write_text(BROKEN, encoding="utf-8")
        (w / "mtqa.toml").write_text("languagetool = { timeout = 5 }\n", encoding="utf-8")
        row("LanguageTool accepts and never answers (timeout 5 s)",
            run(["check", "real.txt", "ok2.txt", "--lt-url", hung.url, "--no-model", "--no-qe", "-j", "1"], w, env))
        (w / "mtqa.toml").unlink()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        row("LanguageTool refusing connections", run(["check", "real.txt", "--lt-url", f"http://127.0.0.1:{port}",
                                                       "--no-model", "--no-qe"], w, env))
        killed = _killed_lt(w, env)
        rows.append(killed)
        # 6 modes
        r = run(["check", "real.txt", *OFF, "-f", "json", "-o", "new.json"], w, env)
        row("new `-o` file, umask 022", r, f"mode {oct((w / 'new.json').stat().st_mode & 0o777)}")
        # 7 cache: torn and wrong entries
        cenv = {"MTQA_CACHE": str(w / "cache2")}
        run(["check", "real.txt", *OFF, "-f", "json"], w, cenv)
        (entry,) = (w / "cache2" / "results").glob("*.json")
        good = entry.read_text()
        entry.write_text(good[: len(good) // 2])
        row("torn cache entry", run(["check", "real.txt", *OFF, "-f", "json"], w, cenv), "recomputed")
        data = json.loads(good)
        data["report"]["score"] = "100"
        entry.write_text(json.dumps(data))
        row("cache entry with a string score", run(["check", "real.txt", *OFF, "-f", "json"], w, cenv), "recomputed")
        # concurrent runs on one cache
        outs = []
        procs = [subprocess.Popen([sys.executable, "-m", "mtqa", "check", "real.txt", *OFF, "-f", "json"], cwd=w,
                                  stdout=subprocess.PIPE, env={**os.environ, "MTQA_CACHE": str(w / "cache3")})
                 for _ in range(4)]
        t0 = time.time()
        for p in procs:
            outs.append(json.loads(p.communicate()[0])["documents"])
        rows.append(f"| 4 concurrent runs sharing a cache | {','.join(str(p.returncode) for p in procs)} | | "
                    f"{time.time() - t0:.1f} | | identical reports: {all(o == outs[0] for o in outs)} |")
        # killed in-place fix
        rows.append(_killed_fix(w, env))
        # 8 usage and names
        row("usage error (`--format nope`)", run(["check", "real.txt", "--format", "nope"], w, env))
        row("`--lt-url ftp://x`", run(["check", "real.txt", "--lt-url", "ftp://x", "--no-model", "--no-qe"], w, env))
        odd = "odd\nname\x1b[31m.txt"
        (w / odd).write_text(BROKEN, encoding="utf-8")
        r = run(["check", odd, *OFF, "-f", "diff", "-o", "odd.diff"], w, env)
        row("file name with a newline and an ESC, `-f diff`", r,
            f"raw ESC in output: {chr(27) in (w / 'odd.diff').read_text()}")
        if not args.skip_slow:
            many = w / "many"
            many.mkdir()
            for i in range(2000):
                (many / f"a{i:04d}.txt").write_text(BROKEN, encoding="utf-8")
            row("2,000 files (LanguageTool on)", run(["check", "many", "--lt-url", lt.url, "--no-model", "--no-qe",
                                                     "-f", "summary", "--no-cache"], w, env, timeout=3600))
            items = "".join(f"<item><guid>g{i}</guid><title>Item {i}</title><description>{BROKEN}</description></item>"
                            for i in range(5000))
            (w / "feed.rss").write_text(f"<?xml version='1.0'?><rss><channel>{items}</channel></rss>", encoding="utf-8")
            row("5,000-item feed (LanguageTool on)", run(["check", "feed.rss", "--lt-url", lt.url, "--no-model", "--no-qe",
                                                         "-f", "summary", "--no-cache"], w, env, timeout=3600))
    fuzz = _fuzz(args.fuzz_examples)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    text = "\n".join(["# Reliability under faults, hostile input and size", "", f"Command: `{cmd}`", "",
                      "| case | exit | first line of stderr | seconds | peak RSS MB | outcome |", "|---|---|---|---|---|---|",
                      *rows, "", fuzz]) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _killed_lt(w: Path, env) -> str:
    """A LanguageTool server of our own, killed while mtqa checks a long text against it."""
    from mtqa.checks.languagetool import LanguageToolServer

    (w / "long.txt").write_text(("The minister said that the talks went well. " * 40 + "\n\n") * 150, encoding="utf-8")
    srv = LanguageToolServer()
    srv.start()
    t0 = time.time()
    p = subprocess.Popen([sys.executable, "-m", "mtqa", "check", "long.txt", "--lt-url", srv.url, "--no-model", "--no-qe",
                          "-f", "json", "-o", "killed.json"], cwd=w, stderr=subprocess.PIPE, env={**os.environ, **env})
    time.sleep(6)
    srv.stop()
    err = p.communicate(timeout=600)[1].decode()
    first = next((ln for ln in err.splitlines() if ln.strip()), "")
    return (f"| LanguageTool killed mid-run | {p.returncode} | {first[:110]} | {time.time() - t0:.1f} | | "
            f"report written: {(w / 'killed.json').exists()} |")


def _killed_fix(w: Path, env) -> str:
    """SIGKILL `mtqa fix --in-place` at random moments: the file is the old or the new text."""
    src = (BROKEN * 2000)
    fixed = src.replace("$ 30", "$30")
    bad = 0
    for k in range(10):
        f = w / f"kill{k}.txt"
        f.write_text(src, encoding="utf-8")
        p = subprocess.Popen([sys.executable, "-m", "mtqa", "fix", f.name, "--in-place", *OFF[:2]], cwd=w,
                             stderr=subprocess.DEVNULL, env={**os.environ, **env})
        time.sleep(1.0 + 0.4 * k)
        p.send_signal(signal.SIGKILL)
        p.wait()
        now = f.read_text(encoding="utf-8")
        bad += now not in (src, fixed)
    return f"| `fix --in-place` killed (SIGKILL) at 10 moments | -9 | | | | files neither old nor new: {bad} |"


def _fuzz(n: int) -> str:
    t0 = time.time()
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "fuzz", "-p", "no:cacheprovider", str(ROOT / "tests")],
                       capture_output=True, env={**os.environ, "MTQA_FUZZ_EXAMPLES": str(n), "MTQA_FUZZ_RANDOM": "1"},
                       cwd=ROOT, timeout=7200)
    tail = [ln for ln in p.stdout.decode().splitlines() if ln.strip()][-1:]
    return (f"Fuzzing (`MTQA_FUZZ_EXAMPLES={n} MTQA_FUZZ_RANDOM=1 pytest -m fuzz`, random seeds): "
            f"{tail[0] if tail else '?'} in {time.time() - t0:.0f} s; exit {p.returncode}.")


if __name__ == "__main__":
    sys.exit(main())
