"""Write mtqa/checks/languagetool/jars.json: the exact jar set scripts/lt-pom.xml resolves to
(group, artifact, version, file name, size, SHA-256), so that `mtqa setup` can fetch the
same jars from Maven Central without Maven and verify each one.

    python scripts/lock_languagetool.py        # after changing scripts/lt-pom.xml

Needs Maven (the pom is resolved by `mvn dependency:list`, online or from ~/.m2).
tests/test_install.py checks that the lock names the pom it was made from."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POM = ROOT / "scripts" / "lt-pom.xml"
OUT = ROOT / "mtqa" / "checks" / "languagetool" / "jars.json"


sys.path.insert(0, str(ROOT))
from mtqa.checks.languagetool.fetch import sha256  # noqa: E402


def main() -> int:
    version = re.search(r"<lt.version>(.*?)</lt.version>", POM.read_text(encoding="utf-8")).group(1)
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "deps.txt"
        subprocess.run(["mvn", "-B", "-q", "-Dstyle.color=never", "-f", str(POM), "dependency:list",
                        "-DincludeScope=runtime", f"-DoutputFile={listing}",
                        "-DoutputAbsoluteArtifactFilename=true"], check=True)
        lines = listing.read_text(encoding="utf-8").splitlines()
    jars = []
    for line in lines:
        parts = line.strip().split(":", 5)
        if len(parts) != 6 or parts[2] != "jar":
            continue
        group, artifact, _, ver, _scope, path = parts
        p = Path(path)
        jars.append({"group": group, "artifact": artifact, "version": ver,
                     "file": f"{artifact}-{ver}.jar",  # how dependency:copy-dependencies names it
                     "size": p.stat().st_size, "sha256": sha256(p)})
    jars.sort(key=lambda j: j["file"])
    lock = {"languagetool": version, "pom_sha256": sha256(POM)[:12], "jars": jars}
    OUT.write_text(json.dumps(lock, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: LanguageTool {version}, {len(jars)} jars, "
          f"{sum(j['size'] for j in jars) / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
