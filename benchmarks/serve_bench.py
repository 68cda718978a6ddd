"""`mtqa serve`: warm `mtqa check --server` against a cold `mtqa check`, and a load test.

    python benchmarks/serve_bench.py [--stack fast|qe|model|default] [--warm 20] [--cold 5]
                                     [--clients 8] [--requests 50] [--edit] [--write]

* the article: ~500 words of feed-style MT English (../shared/seed/sample-article.txt when
  present, topped up from examples/), written to a temporary directory;
* cold: `mtqa check article.txt --format json --no-cache` (starts LanguageTool and the
  stack's models every time), median of --cold runs;
* warm: the same with `--server URL` against one `mtqa serve` of the same stack, median
  of --warm runs (the whole CLI process: Python start-up, the health check, the request),
  and the output compared with the cold run's, byte for byte;
* --edit: before each warm run one sentence of the article changes (an editor's "check
  again"; the service saw the article once before the first); the first edited text's
  output is compared with a cold run of it;
* --fresh: each warm run checks a text the service has never seen, about 500 words of WMT22
  ru-en news (Online-B's articles in order, cut at a paragraph end), so no memo or cache
  helps (a newsroom feed); the cold runs check the first of them, and the first warm
  output is compared with theirs;
* load: --clients threads, each sending --requests `POST /v1/check` of the article in a
  row (the server's default --max-concurrent 2 and --max-queue 32); p50/p95 latency,
  throughput, errors.  With --fresh the load sends --load-texts other news texts, new to
  the service (each first sent once, then repeated, round robin), and compares every
  answer with one cold `mtqa check` of all of them (its report of that file).

--stack: fast = --no-model --no-qe, qe = --no-model, model = --model default (the post-editor
and QE), default = the config's (QE; the post-editor is opt-in since 2026-12-05, so figures
before that date labelled "default" are the "model" stack).
--write appends a section to benchmarks/results/serve.md."""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "seed" / "sample-article.txt"
STACKS = {"fast": ["--no-model", "--no-qe"], "qe": ["--no-model"], "model": ["--model", "default"], "default": []}


def article(words: int = 500) -> str:
    parts = [SAMPLE.read_text(encoding="utf-8")] if SAMPLE.exists() else []
    for p in sorted((ROOT / "examples").glob("*.txt")):
        parts.append(p.read_text(encoding="utf-8"))
    text = ""
    for part in parts:
        for para in part.split("\n\n"):
            if len(text.split()) >= words:
                return text
            text += para.strip() + "\n\n"
    return text


def fresh_texts(n: int, words: int = 500) -> list[str]:
    """``n`` texts of about ``words`` words each: the paragraphs of WMT22 ru-en news
    articles (Online-B) in order, cut at the first paragraph end past ``words`` (research
    use; ../shared/data/README.md)."""
    sys.path.insert(0, str(ROOT))
    from mtqa.evaluate.datasets import articles, read_segments_tsv

    news = ROOT.parent / "shared" / "data" / "wmt22-ru-en" / "news"
    if not news.exists():
        raise SystemExit(f"--fresh needs {news} (../shared/data)")
    lines = (news / "mt" / "Online-B.en").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    out, text = [], ""
    for _, art in articles(lines, read_segments_tsv(news / "segments.tsv")):
        for para in art.strip().split("\n"):
            text += para.strip() + "\n\n" if para.strip() else ""
            if len(text.split()) >= words:
                out.append(text)
                text = ""
                if len(out) == n:
                    return out
    raise SystemExit(f"WMT22 news has fewer than {n} texts of {words} words")


def pct(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def timed(cmd, cwd, env):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=1800)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode()[-2000:]}")
    return dt, p.stdout, p.stderr.decode()


def edited(text: str, i: int) -> str:
    """The article with one word changed in one sentence: the i-th " the " (cycling) becomes
    " that ", as an editor's fix between two checks."""
    at = [k for k in range(len(text)) if text.startswith(" the ", k)]
    k = at[i % len(at)]
    return text[:k] + " that " + text[k + 5:]


def start_server(stack, cwd, env):
    proc = subprocess.Popen([sys.executable, "-m", "mtqa", "serve", "--port", "0", "--port-file", "none",
                             *STACKS[stack]], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    t = time.perf_counter()
    for line in proc.stderr:
        if line.startswith("mtqa: serving on "):
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, line.split()[3], time.perf_counter() - t
    raise SystemExit("mtqa serve did not start")


def load(url, texts, clients, n, expected=None):
    """``clients`` threads, each sending ``n`` requests; request k of client c checks
    ``texts[(c * n + k) % len(texts)]`` (a (path, text) pair).  ``expected``: the CLI's
    report of each path (its ``documents`` entry); every answer is compared with it."""
    import requests

    lat, errors, lock = [], [], threading.Lock()
    same = [0]
    barrier = threading.Barrier(clients)

    def client(c):
        s = requests.Session()
        s.trust_env = False
        barrier.wait()
        for k in range(n):
            path, text = texts[(c * n + k) % len(texts)]
            t = time.perf_counter()
            try:
                r = s.post(url + "/v1/check", json={"text": text, "path": path}, timeout=600)
                ok = r.status_code == 200
            except Exception as exc:  # noqa: BLE001
                ok, r = False, exc
            dt = time.perf_counter() - t
            with lock:
                (lat.append(dt) if ok else errors.append(getattr(r, "status_code", repr(r))))
                if ok and expected is not None and r.json()["documents"] == [expected[path]]:
                    same[0] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return lat, errors, time.perf_counter() - t0, same[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", choices=sorted(STACKS), default="fast")
    ap.add_argument("--warm", type=int, default=20)
    ap.add_argument("--cold", type=int, default=5)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--edit", action="store_true",
                    help="each warm run checks the article with one sentence changed (an editor's 'check again')")
    ap.add_argument("--fresh", action="store_true",
                    help="each warm run checks ~500 words of WMT22 news the service has never seen; "
                         "the load sends --load-texts others, each answer compared with the CLI's report")
    ap.add_argument("--load-texts", type=int, default=40)
    a = ap.parse_args()

    fresh = fresh_texts(a.warm) if a.fresh else None
    text = fresh[0] if fresh else article()
    words = len(text.split())
    env = {k: v for k, v in os.environ.items() if k not in ("MTQA_SERVER", "MTQA_LT_URL")}
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "article.txt").write_text(text, encoding="utf-8")
        base = [sys.executable, "-m", "mtqa", "check", "article.txt", "--format", "json", "--no-cache",
                *STACKS[a.stack]]
        cold, ref = [], None
        for _ in range(a.cold):
            dt, out, _ = timed(base, d, env)
            cold.append(dt)
            ref = out
        if a.edit:  # the cold reference for the first edited text
            (Path(d) / "article.txt").write_text(edited(text, 0), encoding="utf-8")
            _, ref, _ = timed(base, d, env)
        load_texts, expected = [], None
        if fresh and a.requests:  # texts the warm runs did not send, and the CLI's report of each
            load_texts = [(f"load{i:02d}.txt", t) for i, t in enumerate(fresh_texts(a.warm + a.load_texts)[a.warm:])]
            for name, t in load_texts:
                (Path(d) / name).write_text(t, encoding="utf-8")
            _, out, _ = timed([*base[:4], *[n for n, _ in load_texts], *base[5:]], d, env)
            expected = {doc["path"]: doc for doc in json.loads(out)["documents"]}
        proc, url, startup = start_server(a.stack, d, env)
        try:
            warm = []
            if a.edit:  # the service has seen the article once, as an editor's first check
                (Path(d) / "article.txt").write_text(text, encoding="utf-8")
                timed(base + ["--server", url], d, env)
            for i in range(a.warm):
                if a.edit:
                    (Path(d) / "article.txt").write_text(edited(text, i), encoding="utf-8")
                elif fresh:
                    (Path(d) / "article.txt").write_text(fresh[i], encoding="utf-8")
                dt, out, err = timed(base + ["--server", url], d, env)
                if "note:" in err:
                    raise SystemExit(f"the server was not used: {err}")
                if (not (a.edit or fresh) or i == 0) and out != ref:
                    raise SystemExit("warm output differs from the cold run's")
                warm.append(dt)
            lat, errors, wall, same = ([], [], 0.0, 0)
            if a.requests and fresh:
                lat, errors, wall, same = load(url, load_texts, a.clients, a.requests, expected)
            elif a.requests:
                lat, errors, wall, same = load(url, [("article.txt", text)], a.clients, a.requests)
        finally:
            proc.terminate()
            proc.wait(60)
    res = {
        "stack": a.stack, "words": words if not fresh else round(statistics.mean(len(t.split()) for t in fresh)), "cpus": os.cpu_count(), "python": platform.python_version(),
        "server_startup_s": round(startup, 2),
        "cold_median_s": round(statistics.median(cold), 3), "cold_n": len(cold),
        "warm_median_s": round(statistics.median(warm), 3), "warm_n": len(warm),
        "warm_min_s": round(min(warm), 3), "warm_max_s": round(max(warm), 3),
        "speedup": round(statistics.median(cold) / statistics.median(warm), 1),
    }
    if lat or errors:
        res.update({"load_clients": a.clients, "load_requests": a.clients * a.requests, "load_ok": len(lat),
                    "load_errors": len(errors), "load_p50_s": round(pct(lat, 0.5), 3) if lat else None,
                    "load_p95_s": round(pct(lat, 0.95), 3) if lat else None,
                    "load_throughput_rps": round(len(lat) / wall, 2) if wall else None,
                    "load_texts": len(load_texts) or 1,
                    "load_same_as_cli": same if expected is not None else None,
                    "load_wall_s": round(wall, 1)})
    print(json.dumps(res, indent=2))
    if a.write:
        out = ROOT / "benchmarks" / "results" / "serve.md"
        new = not out.exists()
        with out.open("a", encoding="utf-8") as f:
            if new:
                f.write("# mtqa serve: warm vs cold, and load\n\n"
                        "`python benchmarks/serve_bench.py --stack STACK --write` (see its docstring). "
                        "Wall-clock seconds on a shared 2-core machine (another job was running), so "
                        "absolute figures are noisy; the warm/cold ratio is the point.\n")
            f.write(f"\n## stack `{a.stack}` ({' '.join(STACKS[a.stack]) or 'config default: model + QE'}), "
                    f"{res['words']}-word article{', one sentence changed before each warm run (--edit)' if a.edit else ''}"
                    f"{', a different WMT22 news text for each warm run (--fresh)' if fresh else ''}, "
                    f"{time.strftime('%Y-%m-%d')}\n\n")
            f.write("| measure | value |\n| --- | --- |\n")
            f.write(f"| server start-up (to 'serving on') | {res['server_startup_s']} s |\n")
            f.write(f"| cold `mtqa check` (median of {res['cold_n']}) | {res['cold_median_s']} s |\n")
            f.write(f"| warm `mtqa check --server` (median of {res['warm_n']}; min {res['warm_min_s']}, "
                    f"max {res['warm_max_s']}) | {res['warm_median_s']} s |\n")
            f.write(f"| speed-up | {res['speedup']}x |\n")
            f.write("| warm output = cold output (bytes) | "
                    + ("yes, the first edited text (a cold run of it) |\n" if a.edit else "yes, every run |\n"))
            if "load_ok" in res:
                f.write(f"| load: {res['load_clients']} clients x {a.requests} `POST /v1/check` of "
                        f"{res['load_texts']} text(s) | {res['load_ok']} ok, {res['load_errors']} errors |\n")
                if res.get("load_same_as_cli") is not None:
                    f.write(f"| load answers identical to the CLI's report of that text | "
                            f"{res['load_same_as_cli']} of {res['load_requests']} |\n")
                f.write(f"| load latency p50 / p95 | {res['load_p50_s']} s / {res['load_p95_s']} s |\n")
                f.write(f"| load throughput | {res['load_throughput_rps']} requests/s "
                        f"({res['load_wall_s']} s in all) |\n")


if __name__ == "__main__":
    main()
