"""CI emitters (SARIF, JUnit, GitHub annotations, JSON Lines, summary) on the shared
fixtures and on a hand-built report with emoji and CRLF.  Positions are checked by mapping
them back to the flagged text with converters written here, independently of the code."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mtqa.report import FORMATS, render
from mtqa.report import github, junit, jsonl, sarif, summary
from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, Severity
from report_fixtures import empty_report, sample_report

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"
CI_FORMATS = ["sarif", "junit", "github", "jsonl", "summary"]

# Line 1 has two astral emoji before "wordd"; line 2 one; a finding spans the CRLF.
EMOJI_TEXT = "😀😀 Bad wordd here.\r\nNext 👍 line has errror.\r\nLast é line.\r\n"


def _finding(text, needle, rule="SPL001", sev=Severity.MINOR, message="Check this.", reps=(), safe=False):
    i = text.index(needle)
    return Finding(rule, Category.SPELLING, sev, i, i + len(needle), message, tuple(reps), Origin.RULE, safe, 0.9)


def emoji_report(path="feeds/emoji crlf.txt") -> Report:
    t = EMOJI_TEXT
    segs = []
    for piece in ("😀😀 Bad wordd here.", "Next 👍 line has errror.", "Last é line."):
        i = t.index(piece)
        segs.append(Segment(i, i + len(piece), piece))
    findings = [
        _finding(t, "wordd", reps=("word",), safe=True),
        _finding(t, "errror", sev=Severity.MAJOR, reps=("error",), safe=True),
        _finding(t, "here.\r\nNext", rule="LT:WHITESPACE_RULE", message="Spans a line break"),
        _finding(t, "é", rule="STY001", message="Accent, 50% sure,\nsee :: docs"),
    ]
    edits = [Edit(findings[0].start, findings[0].end, "word", Origin.RULE, "SPL001", 0.9, True, True)]
    return Report(path=path, text=t, segments=segs, findings=findings, edits=edits, sentences=[],
                  score=71.5, words=12, penalty=6.0, signature={"mtqa": "0.1.0"})


def clean_report() -> Report:
    t = "A fine sentence.\r\nAnother 😀 one.\n"
    return Report(path="feeds/clean.txt", text=t, segments=[Segment(0, 16, t[:16])], findings=[],
                  edits=[], sentences=[], score=100.0, words=5, penalty=0.0, signature={"mtqa": "0.1.0"})


def all_fixtures() -> list[Report]:
    return [sample_report(), empty_report(), emoji_report(), clean_report()]


FIXTURES = {"sample": lambda: [sample_report()], "empty": lambda: [empty_report()],
            "emoji": lambda: [emoji_report()], "clean": lambda: [clean_report()],
            "all": all_fixtures, "none": lambda: []}


# ---- independent position converters ---------------------------------------------------

def _line_start(text: str, line: int) -> int:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts[line - 1]


def _advance(text: str, i: int, units: int, per_char) -> int:
    n = 0
    while n < units:
        n += per_char(text[i])
        i += 1
    assert n == units, "position falls inside a character"
    return i


def _u16(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def offset_utf16(text: str, line: int, col: int) -> int:
    return _advance(text, _line_start(text, line), col - 1, _u16)


def offset_codepoints(text: str, line: int, col: int) -> int:
    return _line_start(text, line) + col - 1


# ---- SARIF -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator():
    if not SARIF_SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"SARIF schema missing at {SARIF_SCHEMA} (required when CI is set)")
        pytest.skip(f"SARIF 2.1.0 schema not found at {SARIF_SCHEMA}")
    from jsonschema import validators

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema)  # draft-04 for the OASIS file
    cls.check_schema(schema)
    return cls(schema)


def _results(log: dict) -> list[dict]:
    (run,) = log["runs"]
    return run["results"]


@pytest.mark.parametrize("name", list(FIXTURES))
def test_sarif_validates_against_schema(name, sarif_validator):
    log = json.loads(render(FIXTURES[name](), "sarif"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])
    assert log["version"] == "2.1.0"


def test_sarif_validator_rejects_broken_log(sarif_validator):
    # guards the validation test itself: a wrong level must be caught
    log = json.loads(render([sample_report()], "sarif"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(log))


@pytest.mark.parametrize("make", [sample_report, emoji_report])
def test_sarif_regions_map_back_to_flagged_text(make):
    report = make()
    log = json.loads(sarif.render([report]))
    assert log["runs"][0]["columnKind"] == "utf16CodeUnits"
    results = _results(log)
    assert len(results) == len(report.findings)
    u16 = report.text.encode("utf-16-le")
    for res, f in zip(results, report.findings):
        flagged = report.text[f.start:f.end]
        reg = res["locations"][0]["physicalLocation"]["region"]
        a = offset_utf16(report.text, reg["startLine"], reg["startColumn"])
        b = offset_utf16(report.text, reg["endLine"], reg["endColumn"])
        assert report.text[a:b] == flagged
        by_char = u16[2 * reg["charOffset"]: 2 * (reg["charOffset"] + reg["charLength"])]
        assert by_char.decode("utf-16-le") == flagged


def test_sarif_emoji_columns_are_utf16_units():
    results = _results(json.loads(sarif.render([emoji_report()])))
    reg = results[0]["locations"][0]["physicalLocation"]["region"]
    # "😀😀 Bad " is 7 code points but 9 UTF-16 units
    assert (reg["startLine"], reg["startColumn"], reg["endColumn"]) == (1, 10, 15)
    crlf = results[2]["locations"][0]["physicalLocation"]["region"]
    assert (crlf["startLine"], crlf["endLine"], crlf["endColumn"]) == (1, 2, 5)


def test_sarif_rules_levels_and_indexes():
    reports = [sample_report(), emoji_report()]
    log = json.loads(sarif.render(reports))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "mtqa" and driver["version"] and driver["informationUri"].startswith("http")
    ids = [r["id"] for r in driver["rules"]]
    assert sorted(ids) == sorted({f.rule_id for r in reports for f in r.findings})
    findings = [f for r in reports for f in r.findings]
    # no thresholds: nothing fails the run, so no result is an error
    expected_level = {"critical": "warning", "major": "warning", "minor": "note"}
    for res, f in zip(_results(log), findings):
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"] == f.rule_id
        assert res["level"] == expected_level[f.severity.value]
        assert res["message"]["text"] == f.message
    # --fail-on major: exactly the findings that fail the run are errors
    from mtqa.report.stats import Policy, verdict

    strict = json.loads(sarif.render(reports, verdict=verdict(reports, Policy.of(None, "major"))))
    for res, f in zip(_results(strict), findings):
        assert res["level"] == ("error" if f.severity.rank >= Severity.MAJOR.rank else "note")
    assert strict["runs"][0]["invocations"][0]["exitCode"] == 1
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert any(t in {c.value for c in Category} for t in rule["properties"]["tags"])
    lt = driver["rules"][ids.index("LT:EN_A_VS_AN")]
    assert "LanguageTool" in lt["fullDescription"]["text"] and "EN_A_VS_AN" in lt["helpUri"]


def test_sarif_describes_registered_rules_from_their_docs(monkeypatch):
    import mtqa.checks.rules
    from mtqa.checks.rules.base import Rule

    class Spelling(Rule):
        """Flags misspelt words.

        Why: a misspelling in a news article reads as carelessness."""

        id, name, category, severity = "SPL001", "misspelling", Category.SPELLING, Severity.MAJOR

    monkeypatch.setattr(mtqa.checks.rules, "get_rule", lambda rid: Spelling() if rid == "SPL001" else None)
    rules = json.loads(sarif.render([emoji_report()]))["runs"][0]["tool"]["driver"]["rules"]
    (spl,) = [r for r in rules if r["id"] == "SPL001"]
    assert spl["name"] == "misspelling" and spl["shortDescription"]["text"] == "Flags misspelt words."
    assert "carelessness" in spl["fullDescription"]["text"] and "carelessness" in spl["help"]["markdown"]
    # the registry's severity, not the first finding's (minor), sets the default level
    assert spl["defaultConfiguration"]["level"] == "error"
    assert spl["properties"]["tags"] == ["mtqa", "spelling"]


def test_sarif_artifact_uris():
    log = json.loads(sarif.render([emoji_report("./feeds/emoji crlf.txt")]))
    loc = _results(log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "feeds/emoji%20crlf.txt", "uriBaseId": "%SRCROOT%"}
    inside = sarif.artifact_location(os.path.join(os.getcwd(), "a", "b.txt"))
    assert inside == {"uri": "a/b.txt", "uriBaseId": "%SRCROOT%"}
    outside = sarif.artifact_location(os.path.abspath(os.path.join(os.sep, "nowhere-mtqa", "x y.txt")))
    assert outside["uri"].startswith("file:///") and "x%20y.txt" in outside["uri"] and "uriBaseId" not in outside


def test_sarif_fixes_only_for_safe_replacements():
    report = sample_report()
    results = _results(json.loads(sarif.render([report])))
    for res, f in zip(results, report.findings):
        if f.safe and f.replacements:
            (fix,) = res["fixes"]
            (change,) = fix["artifactChanges"]
            (rep,) = change["replacements"]
            assert rep["insertedContent"]["text"] == f.replacements[0]
            d = rep["deletedRegion"]
            a = offset_utf16(report.text, d["startLine"], d["startColumn"])
            assert report.text[a:a + (f.end - f.start)] == report.text[f.start:f.end]
        else:
            assert "fixes" not in res
    assert sum("fixes" in r for r in results) == 2


def _fingerprints(report: Report) -> list[str]:
    return [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in _results(json.loads(sarif.render([report])))]


def _shift(report: Report, prefix: str) -> Report:
    n = len(prefix)

    def move(x):
        return dataclasses.replace(x, start=x.start + n, end=x.end + n)

    return Report(report.path, prefix + report.text, [move(s) for s in report.segments],
                  [move(f) for f in report.findings], report.edits, report.sentences, report.score,
                  report.words, report.penalty, report.signature)


def test_sarif_fingerprints_survive_line_shifts_and_tell_changes_apart():
    report = sample_report()
    before = _fingerprints(report)
    assert len(set(before)) == len(before)
    assert _fingerprints(_shift(report, "New first line.\n\nAnother one.\r\n")) == before
    edited = emoji_report()
    changed = Report(**{**edited.__dict__, "text": edited.text.replace("Bad", "Odd")})
    assert _fingerprints(changed)[0] != _fingerprints(edited)[0]
    assert _fingerprints(changed)[1] == _fingerprints(edited)[1]  # other sentence untouched


def test_sarif_fingerprint_counts_repeated_sentences():
    t = "Same wordd.\nSame wordd.\n"
    r = Report("x.txt", t, [Segment(0, 11, t[:11]), Segment(12, 23, t[12:23])],
               [Finding("SPL001", Category.SPELLING, Severity.MINOR, 5, 10, "m"),
                Finding("SPL001", Category.SPELLING, Severity.MINOR, 17, 22, "m")],
               [], [], 90.0, 4, 1.0)
    a, b = _fingerprints(r)
    assert a != b and a.split(":")[0] == b.split(":")[0]


def test_sarif_run_properties_and_invocation():
    bad = emoji_report()
    bad.errors.append("LanguageTool server failed to start")
    log = json.loads(sarif.render([sample_report(), bad]))
    run = log["runs"][0]
    docs = run["properties"]["documents"]
    assert [(d["path"], d["score"]) for d in docs] == [("examples/fixture.txt", 68.0), ("feeds/emoji crlf.txt", 71.5)]
    assert docs[0]["signature"]["rules"] == "abc123def456"
    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"][0]["message"]["text"] == "LanguageTool server failed to start"
    ok = json.loads(sarif.render([sample_report()]))["runs"][0]
    assert ok["invocations"][0]["executionSuccessful"] is True
    assert ok["properties"]["signature"]["mtqa"] == "0.1.0"


# ---- JUnit -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def junit_schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(JUNIT_XSD)))


def _parse_xml(xml: str):
    from lxml import etree

    return etree.fromstring(xml.encode("utf-8"))


@pytest.mark.parametrize("name", list(FIXTURES))
def test_junit_validates_against_xsd(name, junit_schema):
    for kwargs in ({}, {"fail_on": "minor", "fail_under": 90}):  # passing and failing cases
        doc = _parse_xml(junit.render(FIXTURES[name](), **kwargs))
        assert junit_schema.validate(doc), junit_schema.error_log


def test_junit_xsd_rejects_broken_output(junit_schema):
    doc = _parse_xml(junit.render([sample_report()]))
    del doc[0].attrib["tests"]  # required by the schema
    assert not junit_schema.validate(doc)


def test_junit_failures_and_body():
    reports = all_fixtures()
    doc = _parse_xml(junit.render(reports))
    (suite,) = doc.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.path for r in reports]
    assert all(c.get("classname") == "mtqa" for c in cases)
    assert junit.render(reports).count("<failure") == 0  # no thresholds: nothing fails
    doc = _parse_xml(junit.render(reports, fail_on="major"))
    (suite,) = doc.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["examples/fixture.txt", "feeds/emoji crlf.txt"]  # both have a major finding
    assert suite.get("tests") == "4" and suite.get("failures") == "2" and suite.get("errors") == "0"
    fail = cases[2].find("failure")
    assert "score 71.5" in fail.get("message") and "1 major" in fail.get("message")
    body = fail.text.splitlines()
    report = reports[2]
    assert len(body) == len(report.findings)
    for line, f in zip(body, report.findings):
        m = re.match(r"(\d+):(\d+) (\S+) ", line)
        assert m and m.group(3) == f.rule_id and f.message.splitlines()[0] in line
        assert offset_codepoints(report.text, int(m.group(1)), int(m.group(2))) == f.start
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["score:examples/fixture.txt"] == "68.0" and props["score:feeds/clean.txt"] == "100.0"


@pytest.mark.parametrize("kwargs, failed", [
    ({}, False),                                         # no thresholds: nothing fails
    ({"fail_on": "major"}, True),                        # a major finding
    ({"fail_on": "critical", "fail_under": 60}, False),  # no critical; score 68 >= 60
    ({"fail_on": "critical", "fail_under": 70}, True),  # 68 < 70
    ({"fail_on": None, "fail_under": 50}, False),
    ({"fail_on": "minor", "fail_under": 0}, True),
])
def test_junit_thresholds(kwargs, failed):
    doc = _parse_xml(junit.render([sample_report()], **kwargs))
    assert (doc.find("testsuite/testcase/failure") is not None) is failed
    assert doc.find("testsuite").get("failures") == str(int(failed))


def test_junit_score_threshold():
    low = Report(**{**clean_report().__dict__, "score": 59.5})
    doc = _parse_xml(junit.render([low, clean_report()], fail_under=60))
    cases = doc.findall("testsuite/testcase")
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None


def test_junit_tool_errors_and_illegal_characters(junit_schema):
    r = emoji_report()
    r.errors.append("LanguageTool died\x00\x07 <badly>")
    r.findings.append(_finding(r.text, "line", message="ctrl \x1b[31m & ]]> end"))
    doc = _parse_xml(junit.render([r]))
    assert junit_schema.validate(doc), junit_schema.error_log
    assert doc.find("testsuite").get("errors") == "1"
    assert "<badly>" in doc.find("testsuite/testcase/error").get("message")


# ---- GitHub ------------------------------------------------------------------------------

def _unescape(s: str) -> str:
    for code, ch in (("%3A", ":"), ("%2C", ","), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        s = s.replace(code, ch)
    return s


def parse_command(line: str) -> tuple[str, dict, str]:
    """Parse the way the Actions runner does: the command ends at the first space, the
    properties at the first '::' after it."""
    assert line.startswith("::")
    body = line[2:]
    head, sep, msg = body.partition("::")
    assert sep
    name, _, props = head.partition(" ")
    pairs = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return name, {k: _unescape(v) for k, v in pairs.items()}, _unescape(msg)


def test_github_escaping_round_trips():
    path = "feeds/a,b: c%.txt"
    r = emoji_report(path)
    lines = github.render([r]).splitlines()
    assert len(lines) == len(r.findings)
    name, props, msg = parse_command(lines[3])
    assert props["file"] == path and props["title"] == "STY001"
    assert msg == "Accent, 50% sure,\nsee :: docs"
    assert "\n" not in lines[3] and "%0A" in lines[3] and "%25" in lines[3]
    assert parse_command(lines[2])[1]["title"] == "LT:WHITESPACE_RULE"


def test_github_levels_and_positions():
    reports = [sample_report(), emoji_report()]
    lines = github.render(reports).splitlines()
    findings = [(r, f) for r in reports for f in r.findings]
    assert len(lines) == len(findings)
    for line, (r, f) in zip(lines, findings):
        name, props, msg = parse_command(line)
        assert name == ("error" if f.severity in (Severity.MAJOR, Severity.CRITICAL) else "warning")
        assert props["title"] == f.rule_id and msg.startswith(f.message)
        start = _line_start(r.text, int(props["line"]))
        if "col" in props:
            a = offset_codepoints(r.text, int(props["line"]), int(props["col"]))
            b = offset_codepoints(r.text, int(props["endLine"]), int(props["endColumn"]))
            assert r.text[a:b] == r.text[f.start:f.end]
        else:  # multi-line: GitHub forbids columns
            assert start <= f.start and props["endLine"] != props["line"]
    assert sum("col" not in parse_command(l)[1] for l in lines) == 1


def test_github_reports_tool_errors():
    r = clean_report()
    r.errors.append("model failed")
    (line,) = github.render([r]).splitlines()
    assert parse_command(line)[0] == "error" and parse_command(line)[2] == "model failed"


# ---- JSON Lines --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(FIXTURES))
def test_jsonl_lines_are_json_and_counted(name):
    reports = FIXTURES[name]()
    out = jsonl.render(reports)
    lines = out.splitlines()
    assert len(lines) == out.count("\n")  # no record split by a Unicode line break
    rows = [json.loads(l) for l in lines]
    assert all("type" in row for row in rows)
    assert sum(row["type"] == "finding" for row in rows) == sum(len(r.findings) for r in reports)
    docs = [row for row in rows if row["type"] == "document"]
    assert [(d["path"], d["score"]) for d in docs] == [(r.path, r.score) for r in reports]


def test_jsonl_positions_and_fields():
    r = emoji_report()
    rows = [json.loads(l) for l in jsonl.render([r]).splitlines()]
    for row, f in zip(rows, r.findings):
        assert {"path", "line", "col", "rule_id", "category", "severity", "start", "end",
                "message", "replacements", "origin"} <= row.keys()
        assert r.text[row["start"]:row["end"]] == row["text"] == r.text[f.start:f.end]
        assert offset_codepoints(r.text, row["line"], row["col"]) == f.start
        assert offset_codepoints(r.text, row["end_line"], row["end_col"]) == f.end
    assert (rows[0]["line"], rows[0]["col"]) == (1, 8)  # code points: each emoji is one
    assert rows[-1] == {**rows[-1], "type": "document", "findings": 4, "edits_applied": 1,
                        "by_severity": {"minor": 3, "major": 1, "critical": 0}}


def test_jsonl_unicode_line_separators_stay_inside_records():
    r = emoji_report()
    r.findings.append(_finding(r.text, "Last", message="a\u2028b\u2029c\x85d"))
    lines = jsonl.render([r]).splitlines()
    assert len(lines) == len(r.findings) + 1
    assert json.loads(lines[-2])["message"] == "a\u2028b\u2029c\x85d"


# ---- summary -----------------------------------------------------------------------------

def _display_width(s: str) -> int:
    # terminals draw East Asian wide/fullwidth characters (and emoji) in two cells
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def test_summary_rows_totals_and_alignment():
    reports = [sample_report(), empty_report(), emoji_report("新闻/报道 😀.txt")]
    lines = summary.render(reports).splitlines()
    assert lines[0].split()[:2] == ["path", "score"]
    body = lines[2:-2]
    assert len(body) == len(reports)
    for line, r in zip(body, reports):
        assert line.startswith(r.path) and f"{r.score:.1f}" in line
    total = lines[-1]
    assert total.startswith("TOTAL (3 documents)")
    cells = total.split()
    # word-weighted mean: (68*24 + 100*0 + 71.5*12) / 36
    assert cells[3] == "69.2"
    assert cells[4:] == ["0", "4", "5", "3/6", "0", "pass"]  # critical major minor edits errors verdict
    # every row ends its score column at the same display column
    ends = {_display_width(line[: line.index(s) + len(s)]) for line, s in
            zip([lines[0], *body, total], ["score", "68.0", "100.0", "71.5", "69.2"])}
    assert len(ends) == 1


def test_summary_neutralises_control_characters_in_paths():
    out = summary.render([clean_report().__class__(**{**clean_report().__dict__, "path": "a\nb.txt"})])
    assert len(out.splitlines()) == 5 and "a\\nb.txt" in out


# ---- every emitter -----------------------------------------------------------------------

def test_every_ci_format_is_registered():
    for fmt in CI_FORMATS:
        assert fmt in FORMATS


@pytest.mark.parametrize("fmt", CI_FORMATS)
@pytest.mark.parametrize("name", ["empty", "clean", "none", "emoji"])
def test_every_emitter_handles_zero_findings_emoji_and_crlf(fmt, name):
    out = render(FIXTURES[name](), fmt)
    assert isinstance(out, str) and (out == "" or out.endswith("\n"))
    if fmt == "github":
        assert out.count("\n") == sum(len(r.findings) for r in FIXTURES[name]())
    if fmt == "summary":
        assert len(out.splitlines()) == 4 + len(FIXTURES[name]())


_text = st.lists(st.sampled_from(["a", "b", " ", "😀", "é", "e\u0301", "\r\n", "\n", "\r", "中", "𝔘"]),
                 min_size=1, max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_text, data=st.data())
def test_positions_round_trip_on_random_text(text, data):
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    f = Finding("SPL001", Category.SPELLING, Severity.MINOR, a, b, "m")
    r = Report("r.txt", text, [], [f], [], [], 90.0, 1, 1.0)
    reg = _results(json.loads(sarif.render([r])))[0]["locations"][0]["physicalLocation"]["region"]
    assert offset_utf16(text, reg["startLine"], reg["startColumn"]) == a
    assert offset_utf16(text, reg["endLine"], reg["endColumn"]) == b
    row = json.loads(jsonl.render([r]).splitlines()[0])
    assert offset_codepoints(text, row["line"], row["col"]) == a
    assert offset_codepoints(text, row["end_line"], row["end_col"]) == b
