#!/usr/bin/env python3
"""Batch speed of `mtqa check DIR --format sarif` over the WMT22 ru-en news documents,
rebuilt as one file per article, and the speed-up of a second run over unchanged input
(result cache).  Both runs are timed end to end as a user runs them (process start,
LanguageTool server start included), with a fresh cache directory.

    .venv/bin/python benchmarks/batch_wmt22.py [--system Online-A] [--shared ../shared] [--flags "--no-qe"]

The SARIF of the full run is validated against the SARIF 2.1.0 schema.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mtqa.evaluate.datasets import write_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--system", default="Online-A")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--flags", default="", help="extra mtqa check flags, e.g. '--no-qe'")
    args = ap.parse_args()
    news = Path(args.shared) / "data" / "wmt22-ru-en" / "news"
    with tempfile.TemporaryDirectory() as tmp:
        arts = Path(tmp) / "articles"
        paths = write_articles(news / "mt" / f"{args.system}.en", news / "segments.tsv", arts)
        env = {**os.environ, "MTQA_CACHE": str(Path(tmp) / "cache"), "CI": "1"}
        times = []
        for run in (1, 2):
            out = Path(tmp) / f"run{run}.sarif"
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "mtqa", "check", str(arts), "--format", "sarif",
                                "-o", str(out), *args.flags.split()], env=env, capture_output=True)
            times.append(time.perf_counter() - t0)
            if p.returncode not in (0, 1):
                print(p.stderr.decode(), file=sys.stderr)
                return 1
        log = json.loads(out.read_text())
        results = len(log["runs"][0]["results"])
        schema_file = Path(args.shared) / "schemas" / "sarif-schema-2.1.0.json"
        valid = None
        if schema_file.exists():
            import jsonschema

            schema = json.loads(schema_file.read_text())
            jsonschema.validators.validator_for(schema)(schema).validate(log)
            valid = True
    n = len(paths)
    print(json.dumps({
        "system": args.system, "articles": n, "sarif_results": results, "sarif_valid": valid,
        "flags": args.flags,
        "first_run_s": round(times[0], 1), "second_run_s": round(times[1], 1),
        "articles_per_s_first": round(n / times[0], 2), "speedup": round(times[0] / times[1], 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
