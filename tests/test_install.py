"""mtqa as a pip user gets it: a wheel built from this tree, installed into a fresh virtual
environment, run from a folder outside the checkout.  `mtqa setup` fetches the LanguageTool
jars into a fresh $MTQA_CACHE (copied from the checkout's lt/lib or ~/.m2 when they verify,
so nothing big is downloaded), and `mtqa check` then gives the same JSON report as the
checkout.  The new environment reuses this one's packages through a .pth file (nothing is
downloaded), with only the wheel installed into it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "seed" / "sample-article.txt"
FAST = ("--no-model", "--no-qe")  # the model and QE add minutes and test nothing about packaging


def _run(cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0, f"{cmd}: rc {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}"
    return p


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder of the new venv, environment for it, a work folder outside the checkout)."""
    tmp = tmp_path_factory.mktemp("install")
    # build from a copy of the tree, so the checkout gets no build/ or egg-info churn
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "mtqa", src / "mtqa", ignore=ignore)
    for m in ("qe", "edit-tagger", "smollm2-ape-lora"):
        shutil.copytree(ROOT / "models" / m, src / "models" / m, ignore=ignore)
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
          "--disable-pip-version-check", "-q", "-w", str(wheels)])
    (wheel,) = wheels.glob("mtqa-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    vpy = venv / "bin" / "python"
    site = Path(_run([vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # a plain path line: this environment's packages, without running its .pth files (its
    # editable finder would map `mtqa` back to the checkout)
    (site / "reuse-main-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", vpy, "install", "--no-deps", "--no-index", "-q",
          "--disable-pip-version-check", str(wheel)])
    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MTQA_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(MTQA_CACHE=str(tmp / "cache"), CI="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return venv / "bin", env, work


def test_wheel_is_the_package_used_and_ships_its_data(installed):
    bin_, env, work = installed
    p = _run([bin_ / "python", "-c",
              "import mtqa, mtqa.models.resources as r, mtqa.qe.model as q, mtqa.checks.languagetool.fetch as f;"
              "print(mtqa.__file__); print(r.model_dir('qe')); print(r.model_dir('smollm2-ape-lora'));"
              "print(r.model_dir('edit-tagger'));"
              "print(q.DEFAULT_PATH); print(f.LOCK.is_file(), f.checkout_root())"], cwd=work, env=env)
    pkg, qe, ape, tagger, default_qe, lock = p.stdout.splitlines()
    assert not pkg.startswith(str(ROOT)), pkg  # the wheel's copy, not the checkout
    for d in (qe, ape, tagger, default_qe):
        assert "/_models/" in d and not d.startswith(str(ROOT)), d
    assert (Path(qe) / "model.json").is_file() and (Path(ape) / "adapter.safetensors").is_file()
    assert (Path(tagger) / "tagger.json").is_file() and (Path(tagger) / "head.safetensors").is_file()
    assert lock == "True None"


def test_setup_then_check_matches_the_checkout(installed, tmp_path):
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    bin_, env, work = installed
    # the checkout's own lt/ (this test's source of the jars) must be complete
    lt_lib = ROOT / "lt" / "lib"
    sources = ["--from", str(lt_lib)] if lt_lib.is_dir() else []
    p = _run([bin_ / "mtqa", "setup", "--no-models", *sources], cwd=work, env=env)
    dest = Path(env["MTQA_CACHE"]) / "languagetool"
    assert f"in {dest / 'lib'}" in p.stdout and "checksums verified" in p.stdout, p.stdout
    assert (dest / "VERSION").read_text().strip() == json.loads((ROOT / "mtqa" / "checks" / "languagetool" / "jars.json")
                                                                .read_text())["languagetool"]
    again = _run([bin_ / "mtqa", "setup", "--no-models", "--offline"], cwd=work, env=env)
    assert "already in" in again.stdout  # idempotent

    args = ["check", str(SAMPLE), "--format", "json", "--no-cache", *FAST]
    mine = _run([bin_ / "mtqa", *args], cwd=work, env=env)
    ref_env = {**os.environ, "MTQA_CACHE": str(tmp_path / "cache")}
    ref_env.pop("MTQA_LT_URL", None)
    ref = _run([sys.executable, "-m", "mtqa", *args], cwd=tmp_path, env=ref_env)  # the checkout's mtqa
    got, want = json.loads(mine.stdout), json.loads(ref.stdout)
    assert got["documents"][0]["signature"]["languagetool"], "LanguageTool did not run from the fetched jars"
    for d in got["documents"] + want["documents"]:
        d.pop("path")
    assert got == want


def test_setup_offline_without_jars_is_a_one_line_error(installed, tmp_path):
    bin_, env, work = installed
    env = {**env, "MTQA_LT_HOME": str(tmp_path / "nowhere")}
    p = subprocess.run([bin_ / "mtqa", "setup", "--no-models", "--offline", "--from", str(tmp_path)],
                       capture_output=True, text=True, cwd=work, env={**env, "HOME": str(tmp_path)}, timeout=120)
    err = p.stderr.strip()
    assert p.returncode == 3 and "Traceback" not in err and err.count("\n") == 0, err
    assert err.startswith("mtqa: error: ") and "downloads are off" in err


def test_jar_lock_matches_the_pom():
    """mtqa/checks/languagetool/jars.json was made from scripts/lt-pom.xml as it is (else: run
    scripts/lock_languagetool.py), so `mtqa setup` and scripts/fetch_languagetool.sh agree."""
    import hashlib
    import re

    pom = (ROOT / "scripts" / "lt-pom.xml").read_bytes()
    lock = json.loads((ROOT / "mtqa" / "checks" / "languagetool" / "jars.json").read_text(encoding="utf-8"))
    assert lock["pom_sha256"] == hashlib.sha256(pom).hexdigest()[:12]
    assert lock["languagetool"] == re.search(rb"<lt.version>(.*?)</lt.version>", pom).group(1).decode()
    files = {j["file"] for j in lock["jars"]}
    assert {f"languagetool-server-{lock['languagetool']}.jar", f"language-en-{lock['languagetool']}.jar"} <= files
    assert all(len(j["sha256"]) == 64 and j["size"] > 0 for j in lock["jars"])
    lib = ROOT / "lt" / "lib"
    if (ROOT / "lt" / f".fetched-{lock['languagetool']}-{lock['pom_sha256']}").exists():
        assert {p.name for p in lib.iterdir()} == files  # the script fetched exactly the locked set
