"""The command line end to end, as a user runs it: the real `mtqa` entry point in a
subprocess, the real LanguageTool server (the session's, via --lt-url), real files."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mtqa.english.numerals import numbers

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "seed" / "sample-article.txt"
EXAMPLE = ROOT / "examples" / "economic-forum.txt"
# Most tests here are about the command line itself: they skip the model and the QE
# scorer (each costs seconds to load); the sample-article tests run the full default stack.
FAST = ("--no-model", "--no-qe")


def mtqa(*args, input=None, cwd=None, env=None):
    e = {**os.environ, **(env or {})}
    e.pop("MTQA_LT_URL", None) if env and env.get("MTQA_LT_URL") == "" else None
    return subprocess.run(
        [sys.executable, "-m", "mtqa", *args], input=input, capture_output=True, cwd=cwd, env=e,
        timeout=600,
    )


def one_line_error(proc) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("mtqa: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def sample_json(lt_url):
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    p = mtqa("check", str(SAMPLE), "--format", "json", "--lt-url", lt_url)
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def _flagged(doc, text):
    t = SAMPLE.read_text(encoding="utf-8")
    return {(f["rule_id"], t[f["start"]:f["end"]]) for f in doc["findings"]}


def test_sample_house_style_under_the_ap_profile(lt_url):
    """"160 thousand" and "USD 20 billion" are house style (off by default, measured in
    BENCHMARKS.md): under style = "ap" they are findings whose fixes apply."""
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    p = mtqa("check", str(SAMPLE), "--format", "json", "--lt-url", lt_url, "--style", "ap", *FAST)
    assert p.returncode == 0, p.stderr.decode()
    found = _flagged(json.loads(p.stdout)["documents"][0], None)
    assert ("NUM003", "160 thousand") in found and ("NUM002", "USD 20 billion") in found, found
    p = mtqa("check", str(SAMPLE), "--format", "json", "--lt-url", lt_url, *FAST)
    assert not {r for r, _ in _flagged(json.loads(p.stdout)["documents"][0], None)} & {"NUM002", "NUM003"}


def test_sample_findings(sample_json):
    doc = sample_json["documents"][0]
    t = SAMPLE.read_text(encoding="utf-8")
    joined = " | ".join(t[f["start"]:f["end"]] for f in doc["findings"])
    for needle in ["$ 30 billion", "An interested discussion", "are considered",
                   "it was adopted joint statement"]:
        at = t.index(needle)
        # a finding on these words (NUM001 flags just the "$ " of "$ 30 billion")
        assert any(f["start"] < at + len(needle) and at < f["end"] for f in doc["findings"]), (needle, joined)
    assert any(f["rule_id"] == "ART001" for f in doc["findings"])
    # LanguageTool ran (its only matches here, "$ 30"/"$ 6", repeat NUM001 and are dropped).
    assert doc["signature"]["languagetool"]
    # None on the boilerplate lines.
    for b in doc["boilerplate"]:
        assert not any(f["start"] < b["end"] and b["start"] < f["end"] for f in doc["findings"])
    assert t[doc["boilerplate"][0]["start"]:doc["boilerplate"][0]["end"]] == "Post sponsored by"
    # Every sentence is scored, the document too.
    assert all(0 <= s["score"] <= 100 for s in doc["sentences"])
    assert 0 <= doc["score"] < 100
    assert doc["signature"]["languagetool"]


def test_fix_sample_keeps_numbers(lt_url, tmp_path):
    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt not present (a user's clone has no ../shared)")
    out = tmp_path / "fixed.txt"
    p = mtqa("fix", str(SAMPLE), "-o", str(out), "--lt-url", lt_url)
    assert p.returncode == 0, p.stderr.decode()
    before, after = SAMPLE.read_text(encoding="utf-8"), out.read_text(encoding="utf-8")
    assert "$30 billion" in after and "$ 30 billion" not in after
    assert numbers(before) == numbers(after)
    assert after.startswith("Post sponsored by") and after.rstrip().endswith("MIL OSI Russia News")


def test_fix_preserves_bom_crlf_and_in_place_is_atomic(lt_url, tmp_path):
    src = tmp_path / "a.txt"
    raw = "\ufeffIn 2019, trade exceeded $ 30 billion.\r\nIt grew.\r\n".encode("utf-8")
    src.write_bytes(raw)
    os.chmod(src, 0o640)
    p = mtqa("fix", str(src), "--lt-url", lt_url, "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout == raw.replace(b"$ 30", b"$30")
    assert src.read_bytes() == raw  # untouched without --in-place
    inode = src.stat().st_ino
    p = mtqa("fix", str(src), "--in-place", "--lt-url", lt_url, "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    assert src.read_bytes() == raw.replace(b"$ 30", b"$30")
    assert stat.S_IMODE(src.stat().st_mode) == 0o640
    assert src.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".a.txt.")]


@pytest.mark.parametrize("case", ["missing", "directory", "binary", "bad-utf8"])
def test_bad_input_one_line_exit_2(tmp_path, case):
    if case == "missing":
        args, expect = ["check", str(tmp_path / "nope.txt")], "no such file"
    elif case == "directory":
        args, expect = ["fix", str(tmp_path)], "is a directory"
    elif case == "binary":
        f = tmp_path / "b.txt"
        f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
        args, expect = ["check", str(f)], "binary"
    else:
        f = tmp_path / "u.txt"
        f.write_bytes("Привет".encode("cp1251") + b" world")
        args, expect = ["check", str(f)], "invalid UTF-8 at byte offset 0"
    p = mtqa(*args, "--no-languagetool", "--no-model")
    assert p.returncode == 2
    assert expect in one_line_error(p)


def test_empty_directory_is_an_input_error(tmp_path):
    p = mtqa("check", str(tmp_path), "--no-languagetool", *FAST)
    assert p.returncode == 2
    assert "no input files found" in one_line_error(p)


def test_empty_file_is_a_valid_empty_report(tmp_path, lt_url):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, *FAST)
    assert p.returncode == 0, p.stderr.decode()
    doc = json.loads(p.stdout)["documents"][0]
    assert doc["findings"] == [] and doc["sentences"] == [] and doc["score"] == 100


def test_languagetool_unavailable_is_a_tool_error(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("A sentence.", encoding="utf-8")
    p = mtqa("check", str(f), "--lt-url", "http://127.0.0.1:9", *FAST)
    assert p.returncode == 3
    assert "LanguageTool" in one_line_error(p) or "languagetool" in p.stderr.decode().lower()
    p = mtqa("check", str(f), *FAST, env={"MTQA_LT_HOME": str(tmp_path / "no-jars"), "MTQA_LT_URL": ""})
    assert p.returncode == 3, p.stderr.decode()
    one_line_error(p)


def test_usage_error_exit_2():
    p = mtqa("check", "--format", "nope", "x.txt")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr.decode()


def test_lines_mode_stdin_and_fail_under(lt_url):
    text = "He go to school yesterday.\n\nThe trade exceeded $ 30 billion.\n"
    p = mtqa("check", "-", "--lines", "--format", "json", "--lt-url", lt_url, *FAST, input=text.encode())
    assert p.returncode == 0, p.stderr.decode()
    doc = json.loads(p.stdout)["documents"][0]
    assert doc["path"] == "<stdin>"
    assert len(doc["sentences"]) == 3  # one result per input line, the empty one included
    assert doc["sentences"][0]["score"] < 100 and doc["sentences"][1]["score"] == 100
    p = mtqa("check", "-", "--lines", "--fail-under", "99", "--lt-url", lt_url, *FAST, input=text.encode())
    assert p.returncode == 1
    p = mtqa("check", "-", "--lines", "--fail-on", "critical", "--lt-url", lt_url, *FAST, input=text.encode())
    assert p.returncode == 0


def test_html_report_escapes_article(tmp_path, lt_url):
    f = tmp_path / "x.txt"
    f.write_text("The minister said <script>alert(1)</script> and <img src=x onerror=alert(2)> today.\n",
                 encoding="utf-8")
    out = tmp_path / "r.html"
    p = mtqa("check", str(f), "--format", "html", "-o", str(out), "--lt-url", lt_url, *FAST)
    assert p.returncode == 0, p.stderr.decode()
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")


def test_diff_format(tmp_path, lt_url):
    f = tmp_path / "x.txt"
    f.write_text("Trade exceeded $ 30 billion.\n", encoding="utf-8")
    p = mtqa("check", str(f), "--format", "diff", "--lt-url", lt_url, *FAST)
    assert p.returncode == 0
    out = p.stdout.decode()
    assert "-Trade exceeded $ 30 billion." in out and "+Trade exceeded $30 billion." in out


def test_rules_command():
    p = mtqa("rules")
    assert p.returncode == 0
    ids = [l.split()[0] for l in p.stdout.decode().splitlines() if l.strip()]
    assert "NUM001" in ids and "ART001" in ids
    src005 = next(l for l in p.stdout.decode().splitlines() if l.startswith("SRC005"))
    assert " off " in src005 and "--source" in src005  # the source checks are listed, SRC005 opt-in
    # LanguageTool's style and off-by-default rules are listed with their marks
    lt = {l.split()[0]: l.split()[1] for l in p.stdout.decode().splitlines() if l.strip().startswith("LT:")}
    assert lt["LT:MISSING_COMMA_AFTER_YEAR"] == "off,style" and lt["LT:EN_QUOTES"] == "style"
    assert lt["LT:UPPERCASE_SENTENCE_START"] == "off"
    p = mtqa("rules", "src001")
    assert p.returncode == 0 and "critical" in p.stdout.decode()
    p = mtqa("rules", "NUM001")
    assert p.returncode == 0 and "$ 30" in p.stdout.decode()
    p = mtqa("rules", "NOPE999")
    assert p.returncode == 2
    one_line_error(p)


def test_example_articles_are_checked(lt_url):
    p = mtqa("check", str(ROOT / "examples"), "--format", "json", "--lt-url", lt_url, "--no-cache", *FAST)
    assert p.returncode == 0, p.stderr.decode()
    docs = json.loads(p.stdout)["documents"]
    assert {Path(d["path"]).name for d in docs} >= {"economic-forum.txt", "city-budget.txt"}
    for d in docs:
        assert d["findings"], d["path"]
        # every rule and LanguageTool edit names the finding it was made from
        by_id = {f["id"]: f for f in d["findings"]}
        for e in d["edits"]:
            f = by_id[e["finding_id"]]
            assert (f["rule_id"], f["start"], f["end"], f["replacements"][0]) == (
                e["rule_id"], e["start"], e["end"], e["replacement"])


@pytest.mark.model
def test_model_suggestions_are_guarded_and_not_applied_by_default(lt_url, tmp_path):
    """The real default model on a short article: its edits show up in the JSON (accepted
    ones as unapplied suggestions, rejected ones with the guard's reason); `fix` without
    --unsafe applies none of them, and no applied edit changes a number."""
    f = tmp_path / "a.txt"
    f.write_text("It was adopted joint statement on 12 points. Minister have said that the "
                 "talks was useful and 3 agreements were signed.\n", encoding="utf-8")
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, "--model", "smollm2", "--no-qe")
    assert p.returncode == 0, p.stderr.decode()
    doc = json.loads(p.stdout)["documents"][0]
    assert doc["signature"]["model"].startswith("smollm2")
    model_edits = [e for e in doc["edits"] if e["origin"] == "model"]
    assert model_edits, "the model proposed nothing on two broken sentences"
    assert not any(e["applied"] for e in model_edits)
    assert all(e["reason"] == "unsafe" or e["reason"].startswith(("guard:", "overlap:")) for e in model_edits)
    # an edit the model guard let through is reported as a finding, and names it; one it
    # rejected has none
    by_id = {x["id"]: x for x in doc["findings"]}
    for e in model_edits:
        if e["finding_id"] is None:
            assert e["reason"].startswith("guard:") and not e["safe"]
        else:
            assert by_id[e["finding_id"]]["rule_id"] == e["rule_id"] and e["rule_id"].startswith("MDL:")
    assert {e["finding_id"] for e in model_edits} - {None} == {x["id"] for x in doc["findings"]
                                                              if x["origin"] == "model" and x["rule_id"].startswith("MDL:")}
    out = tmp_path / "fixed.txt"
    p = mtqa("fix", str(f), "-o", str(out), "--lt-url", lt_url, "--model", "smollm2")
    assert p.returncode == 0, p.stderr.decode()
    assert numbers(out.read_text(encoding="utf-8")) == numbers(f.read_text(encoding="utf-8"))


def test_languagetool_does_not_repeat_a_rule_finding(lt_url, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("In 2019, trade exceeded $ 30 billion.\n", encoding="utf-8")
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, *FAST)
    ids = [x["rule_id"] for x in json.loads(p.stdout)["documents"][0]["findings"]]
    assert "NUM001" in ids and "LT:CURRENCY_SPACE" not in ids
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, "--ignore", "NUM001", *FAST)
    ids = [x["rule_id"] for x in json.loads(p.stdout)["documents"][0]["findings"]]
    assert "LT:CURRENCY_SPACE" in ids  # with our rule off, LanguageTool's finding stays
    # a decimal comma is one finding, NUM004's, not also LanguageTool's COMMA_PERIOD_CONFUSION
    f.write_text("In January-September 2024 the cargo turnover grew by 19,5 percent.\n", encoding="utf-8")
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, *FAST)
    ids = [x["rule_id"] for x in json.loads(p.stdout)["documents"][0]["findings"]]
    assert ids.count("NUM004") == 1 and "LT:COMMA_PERIOD_CONFUSION" not in ids, ids
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, "--ignore", "NUM004", *FAST)
    ids = [x["rule_id"] for x in json.loads(p.stdout)["documents"][0]["findings"]]
    assert "LT:COMMA_PERIOD_CONFUSION" in ids, ids


def test_names_are_not_typos_but_typos_are(lt_url, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("Deputy Prime Minister Alexei Overchuk visited the railway section near Astara. "
                 "The goverment approved the plan.\n", encoding="utf-8")
    p = mtqa("check", str(f), "--format", "json", "--lt-url", lt_url, *FAST)
    text = f.read_text(encoding="utf-8")
    spelling = {text[x["start"]:x["end"]]: x for x in json.loads(p.stdout)["documents"][0]["findings"]
                if x["category"] == "spelling"}
    assert spelling["goverment"]["severity"] == "major"
    assert "Overchuk" not in spelling and "Astara" not in spelling


def test_fix_takes_a_hash_in_the_name_but_not_a_feed(tmp_path):
    f = tmp_path / "issue#7.txt"
    f.write_text("Trade exceeded $ 30 billion.\n", encoding="utf-8")
    p = mtqa("fix", str(f), "--no-languagetool", "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout == b"Trade exceeded $30 billion.\n"
    feed = tmp_path / "feed.rss"
    feed.write_text("<rss version='2.0'><channel><title>t</title><item><title>A</title>"
                    "<description>Trade exceeded $ 30 billion.</description></item></channel></rss>",
                    encoding="utf-8")
    p = mtqa("fix", str(feed), "--no-languagetool", "--no-model")
    assert p.returncode == 2 and "not feeds" in one_line_error(p)
    p = mtqa("fix", "-", "--no-languagetool", "--no-model", input=b"Trade exceeded $ 30 billion.\n")
    assert p.returncode == 0 and p.stdout == b"Trade exceeded $30 billion.\n"
