#!/usr/bin/env python3
"""Outputs before and after a refactoring: the JSON reports `mtqa check` writes with default
settings for `examples/`, the sample article and the first N WMT22 ru-en news articles (one
MT system), saved to a folder; `--compare A B` then says whether two snapshots are identical
and, where not, which documents and findings differ.

    .venv/bin/python benchmarks/report_snapshot.py --out out/snap-before [--docs 50] [--system Online-B]
    .venv/bin/python benchmarks/report_snapshot.py --compare out/snap-before out/snap-after

Each group is one `python -m mtqa check --format json --no-cache` run (the CLI as a user runs
it: its own LanguageTool server, the QE model, the default post-editing setting), so nothing
is reused between the two snapshots.  Fields that describe the run rather than the text
(timings, the tool and the signature: code and model versions) are left out of the
comparison, and a path is compared by its file name only (the checkout and the temporary
folder differ).
Data: WMT22 general task ru-en, news (research purposes only; ../shared/data/README.md).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "wmt22-ru-en" / "news"
VOLATILE = {"signature", "tool"}  # the code and model versions, the tool's name and version


def _strip(obj):
    if isinstance(obj, dict):  # a path is compared by its file name: checkouts and temp folders differ
        return {k: (Path(v).name if k == "path" and isinstance(v, str) else _strip(v))
                for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _check(files: list[str], out: Path) -> float:
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "mtqa", "check", *files, "--format", "json", "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"mtqa check failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    out.write_text(proc.stdout, encoding="utf-8")
    return time.time() - t0


def snapshot(args) -> int:
    from mtqa.evaluate.datasets import write_articles

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        news = write_articles(NEWS / "mt" / f"{args.system}.en", NEWS / "segments.tsv", tmp, limit=args.docs)
        groups = {
            "examples": sorted(str(p) for p in (ROOT / "examples").glob("*.txt")),
            "sample": [str(SHARED / "seed" / "sample-article.txt")],
            "wmt22": [str(p) for p in news],
        }
        for name, files in groups.items():
            secs = _check(files, out / f"{name}.json")
            print(f"{name}: {len(files)} file(s) in {secs:.0f} s -> {out / (name + '.json')}")
    return 0


def _docs(path: Path) -> dict:
    data = _strip(json.loads(path.read_text(encoding="utf-8")))
    docs = data.get("documents", data if isinstance(data, list) else [])
    return {Path(d.get("path", str(i))).name: d for i, d in enumerate(docs)}


def compare(a: Path, b: Path) -> int:
    differing = 0
    for fa in sorted(a.glob("*.json")):
        fb = b / fa.name
        if not fb.exists():
            print(f"{fa.name}: missing in {b}")
            differing += 1
            continue
        da, db = _docs(fa), _docs(fb)
        same = [k for k in da if da[k] == db.get(k)]
        print(f"{fa.stem}: {len(same)} of {len(da)} document(s) identical")
        for k in da:
            if da[k] == db.get(k):
                continue
            differing += 1
            x, y = da[k], db.get(k) or {}
            for key in sorted(set(x) | set(y)):
                if x.get(key) != y.get(key):
                    print(f"  {k}: '{key}' differs")
    print("identical" if not differing else f"{differing} difference(s)")
    return 0 if not differing else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="snapshot folder to write")
    ap.add_argument("--docs", type=int, default=50)
    ap.add_argument("--system", default="Online-B")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    if args.compare:
        return compare(Path(args.compare[0]), Path(args.compare[1]))
    if not args.out:
        ap.error("--out or --compare is needed")
    return snapshot(args)


if __name__ == "__main__":
    raise SystemExit(main())
