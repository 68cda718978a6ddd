#!/usr/bin/env python3
"""The full default check against LanguageTool alone: the same WMT22 ru-en news articles
through (a) language_tool_python alone against a warm LanguageTool server, (b) one cold
`mtqa check` process with default settings (its start-up included), (c) a warm
`mtqa serve` with default settings, one `POST /v1/check` per article; prints the seconds
and the ratios to (a).

    .venv/bin/python benchmarks/vs_languagetool.py [--docs 80] [--system Online-B] [--out FILE]
    .venv/bin/python benchmarks/vs_languagetool.py "--flags=--model default"   # with the post-editor
    .venv/bin/python benchmarks/vs_languagetool.py "--flags=--no-model --no-qe"   # no LM pass at all
    .venv/bin/python benchmarks/vs_languagetool.py --clients 2   # two requests in flight in (a) and (c)

``--clients N``: arms (a) and (c) each send N requests at a time (N threads taking the
next article in turn, each with its own client), as a CMS with several editors, or
`mtqa check --server` over a folder (``--jobs``), does; LanguageTool's server and
`mtqa serve` (``--max-concurrent 2``) both check concurrent requests in parallel, so the
ratio compares like with like.  (b) is unchanged: one `mtqa check` process (its own
``--jobs``).  The default, 1, is the benchmark as first written.

``--flags`` are passed to both `mtqa serve` and `mtqa check` (e.g. ``--model default``,
``--no-qe``), to see what each backend costs against LanguageTool alone.  The post-editor is
opt-in since 2026-12-05: runs before that date with no flags had it on.

(b) and (c) each get their own empty post-editor output cache (the converted models are
shared), so neither reuses the other's decoding; every request of (c) is a different
article, so the service's cache helps only across repeats, as in use.  The arms run one
after the other (a, c, b) on the same machine; the figures are one run.
Data: WMT22 general task ru-en, news (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"


def in_turn(clients: int, items: list, work) -> list:
    """``work(k, item)`` for every item, ``clients`` threads each taking the next item in
    turn (k: the thread's number, for its own client); the results in item order."""
    if clients <= 1:
        return [work(0, it) for it in items]
    out: list = [None] * len(items)
    nxt = iter(range(len(items)))
    lock = threading.Lock()
    errors: list = []

    def run(k: int) -> None:
        while not errors:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            try:
                out[i] = work(k, items[i])
            except Exception as exc:  # noqa: BLE001 - re-raised on the main thread
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return out


def fresh_cache(tmp: Path, name: str) -> Path:
    """An MTQA_CACHE with the converted models linked in and no post-editor outputs."""
    from mtqa.models.lm import cache_dir

    real, new = cache_dir(), tmp / name
    new.mkdir()
    for sub in real.iterdir():
        if sub.name != "outputs" and sub.is_dir():
            (new / sub.name).symlink_to(sub)
    return new


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=80)
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--out", default=None)
    ap.add_argument("--clients", type=int, default=1, help="requests in flight in arms (a) and (c)")
    ap.add_argument("--flags", default="", help="extra flags for `mtqa serve` and `mtqa check`, e.g. '--no-model'")
    args = ap.parse_args()
    if args.clients < 1:
        ap.error("--clients must be 1 or more")
    flags = shlex.split(args.flags)
    setting = "default settings" + (f", `{args.flags}`" if flags else "")

    import language_tool_python
    import requests

    from mtqa.checks.languagetool import find_lt_home
    from mtqa.checks.languagetool.server import LanguageToolServer
    from mtqa.evaluate.datasets import write_articles

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = write_articles(NEWS / "mt" / f"{args.system}.en", NEWS / "segments.tsv", tmp / "docs",
                               limit=args.docs)
        texts = [p.read_text(encoding="utf-8") for p in files]
        words = sum(len(t.split()) for t in texts)
        secs = {}

        # (a) language_tool_python alone, its server warm
        with LanguageToolServer(find_lt_home(), language="en-US") as server:
            tools = [language_tool_python.LanguageTool("en-US", remote_server=server.url)
                     for _ in range(args.clients)]
            for tool in tools:
                tool.check(texts[0])
            t0 = time.perf_counter()
            lt_matches = sum(in_turn(args.clients, texts, lambda k, t: len(tools[k].check(t))))
            secs["a"] = time.perf_counter() - t0

        env = {k: v for k, v in os.environ.items() if k not in ("MTQA_SERVER", "MTQA_LT_URL")}
        # (c) a warm service, default settings
        env_c = {**env, "MTQA_CACHE": str(fresh_cache(tmp, "cache-c"))}
        proc = subprocess.Popen([sys.executable, "-m", "mtqa", "serve", "--port", "0", "--port-file", "none", *flags],
                                cwd=ROOT, env=env_c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            url = None
            for line in proc.stderr:
                if line.startswith("mtqa: serving on "):
                    url = line.split()[3]
                    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
                    break
            if url is None:
                sys.exit("mtqa serve did not start")
            sessions = [requests.Session() for _ in range(args.clients)]
            for s in sessions:
                s.trust_env = False
            warmup = "The talks will be held next week in Geneva. It was adopted joint statement."
            sessions[0].post(url + "/v1/check", json={"text": warmup}, timeout=600).raise_for_status()

            def post(k: int, item) -> int:
                p, t = item
                r = sessions[k].post(url + "/v1/check", json={"text": t, "path": p.name}, timeout=600)
                r.raise_for_status()
                return sum(len(doc.get("findings", [])) for doc in r.json().get("documents", []))

            t0 = time.perf_counter()
            served = sum(in_turn(args.clients, list(zip(files, texts)), post))
            secs["c"] = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(60)

        # (b) one cold `mtqa check` over all the articles
        env_b = {**env, "MTQA_CACHE": str(fresh_cache(tmp, "cache-b"))}
        t0 = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "mtqa", "check", *map(str, files), "--format", "json",
                              "--no-cache", *flags], cwd=ROOT, env=env_b, capture_output=True, text=True)
        secs["b"] = time.perf_counter() - t0
        if run.returncode not in (0, 1):
            sys.exit(f"mtqa check failed ({run.returncode}): {run.stderr.strip()[-500:]}")
        cold = json.loads(run.stdout)
        cold_findings = sum(len(doc.get("findings", [])) for doc in cold.get("documents", []))

    cmd = "python " + shlex.join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
    rows = [f"# The full default check against LanguageTool alone: WMT22 ru-en news, {args.system}", "",
            f"Command: `{cmd}`  ", f"{len(files)} articles, {words} words; 2-core CPU; arms one after the other"
            + (f"; (a) and (c) with {args.clients} requests in flight" if args.clients > 1 else "") + ".", "",
            "| arm | seconds | × LanguageTool alone | findings / matches |", "|---|---|---|---|",
            f"| (a) language_tool_python alone, warm server | {secs['a']:.1f} | 1.00 | {lt_matches} matches |",
            f"| (b) `mtqa check`, {setting}, one cold process | {secs['b']:.1f} | {secs['b'] / secs['a']:.2f} | {cold_findings} findings |",
            f"| (c) warm `mtqa serve`, {setting} | {secs['c']:.1f} | {secs['c'] / secs['a']:.2f} | {served} findings |"]
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
