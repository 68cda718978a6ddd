"""One pass/fail verdict (mtqa.report.stats): the real `mtqa check` with --fail-under /
--fail-on (or the config's), and the exit code, JUnit, SARIF and the summary table all
name the same failing documents.  Without LanguageTool, the model or QE, for speed."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from test_cli import mtqa

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "economic-forum.txt"  # 86.1 without LT/QE: 3 major, 11 minor, no critical
FAST = ("--no-languagetool", "--no-model", "--no-qe")

# (thresholds, exit code, failing documents)
CASES = [
    ((), 0, set()),  # no thresholds: nothing fails
    (("--fail-on", "major"), 1, {"bad.txt"}),
    (("--fail-on", "critical"), 0, set()),
    (("--fail-under", "99"), 1, {"bad.txt"}),
    (("--fail-under", "50", "--fail-on", "none"), 0, set()),
]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("verdict")
    shutil.copy(EXAMPLE, d / "bad.txt")
    (d / "clean.txt").write_text("The meeting ended on time.\n", encoding="utf-8")
    return d


def run(work: Path, fmt: str, *args: str, cwd: Path | None = None):
    p = mtqa("check", "bad.txt", "clean.txt", "--format", fmt, *args, *FAST, cwd=cwd or work,
             env={"MTQA_CACHE": str(work / "cache")})
    err = p.stderr.decode()
    assert "Traceback" not in err and p.returncode in (0, 1), err
    return p.returncode, p.stdout.decode()


def junit_failed(out: str) -> set[str]:
    suite = ET.fromstring(out.encode()).find("testsuite")
    failed = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
    assert suite.get("failures") == str(len(failed))
    return failed


def sarif_failed(out: str, rc: int) -> set[str]:
    (run_,) = json.loads(out)["runs"]
    inv = run_["invocations"][0]
    assert inv["exitCode"] == rc and inv["executionSuccessful"] is True
    failed = {d["path"] for d in run_["properties"]["documents"] if d["verdict"] == "failed"}
    assert set(inv["properties"]["failed"]) == failed
    assert inv["properties"]["verdict"] == ("failed" if failed else "passed")
    return failed


def summary_failed(out: str) -> set[str]:
    lines = out.splitlines()
    assert lines[0].split()[-1] == "verdict"
    rows = lines[2:lines.index(lines[1], 2)]  # between the two rules
    failed = {r.split()[0] for r in rows if r.split()[-1] == "FAIL"}
    total = lines[lines.index(lines[1], 2) + 1]
    assert total.split()[-1] == ("FAIL" if failed else "pass")
    assert {l.split()[1].rstrip(":") for l in lines if l.startswith("FAIL ")} == failed
    return failed


@pytest.mark.parametrize("args, code, failing", CASES, ids=[" ".join(c[0]) or "default" for c in CASES])
def test_summary_agrees_with_exit_code(work, args, code, failing):
    rc, out = run(work, "summary", *args)
    assert rc == code and summary_failed(out) == failing


@pytest.mark.parametrize("args, code, failing", CASES, ids=[" ".join(c[0]) or "default" for c in CASES])
def test_junit_agrees_with_exit_code(work, args, code, failing):
    rc, out = run(work, "junit", *args)
    assert rc == code and junit_failed(out) == failing


@pytest.mark.parametrize("args, code, failing", CASES, ids=[" ".join(c[0]) or "default" for c in CASES])
def test_sarif_agrees_with_exit_code(work, args, code, failing):
    rc, out = run(work, "sarif", *args)
    assert rc == code and sarif_failed(out, rc) == failing
    results = json.loads(out)["runs"][0]["results"]
    on = dict(zip(args[::2], args[1::2])).get("--fail-on", "none")
    failing_sev = {"none": set(), "critical": {"critical"}, "major": {"major", "critical"}}[on]
    for res in results:  # an error-level result is exactly a finding that fails the run
        assert (res["level"] == "error") == (res["properties"]["severity"] in failing_sev)


def test_config_thresholds_give_the_same_verdict_everywhere(work, tmp_path):
    """The policy from mtqa.toml (an override for one path) instead of the command line."""
    for name in ("bad.txt", "clean.txt"):
        shutil.copy(work / name, tmp_path / name)
    (tmp_path / "mtqa.toml").write_text('fail-on = "none"\n\n[[overrides]]\npaths = ["bad.txt"]\nfail-on = "major"\n',
                                        encoding="utf-8")
    got = {}
    for fmt in ("summary", "junit", "sarif"):
        rc, out = run(work, fmt, cwd=tmp_path)
        got[fmt] = (rc, frozenset({"summary": summary_failed, "junit": junit_failed}.get(fmt, lambda o: sarif_failed(o, rc))(out)))
    assert set(got.values()) == {(1, frozenset({"bad.txt"}))}, got
    # the command line wins over the config
    rc, out = run(work, "junit", "--fail-on", "none", cwd=tmp_path)
    assert (rc, junit_failed(out)) == (0, set())


def test_a_model_suggestion_never_fails_a_document():
    from mtqa.report.stats import Policy, judge
    from mtqa.types import Category, Finding, Origin, Report, Severity

    text = "He is member of parliament.\n"
    sugg = Finding("MDL:M:DET", Category.GRAMMAR, Severity.MINOR, 6, 6, "model suggests 'a'", ("a ",),
                   Origin.MODEL)
    rule = Finding("ART001", Category.GRAMMAR, Severity.MINOR, 6, 12, "Missing article", ("a member",))
    def rep_of(findings):
        return Report(path="x", text=text, segments=[], findings=findings, edits=[], sentences=[],
                      score=95.0, words=5, penalty=1.0)

    rep = rep_of([sugg])
    assert sugg.is_suggestion and not rule.is_suggestion
    assert not judge(rep, Policy.of(fail_on="minor")).failed
    rep = rep_of([sugg, rule])
    assert judge(rep, Policy.of(fail_on="minor")).failing_findings == 1
