"""Text, JSON, diff and HTML renderers on the shared fixtures (tests/report_fixtures.py).
Positions are checked against the fixture text, the diff with the real `patch`, the JSON
against its schema, the HTML with lxml and a real headless Chromium."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import headless_chrome
from hypothesis import assume, given, settings, strategies as st
from lxml import html as lxml_html

from mtqa.report import SCHEMA_VERSION, render
from mtqa.report import diff, html, json_report, text
from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, SentenceResult, Severity
from report_fixtures import empty_report, sample_report

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "mtqa" / "schemas" / "report.schema.json").read_text())
XSS = "<script>alert(1)</script>"
BOTH = [[sample_report()], [empty_report()], [sample_report(), empty_report("b.txt")]]


def plain_report(t: str, edits=(), findings=(), path="doc.txt") -> Report:
    """One sentence per non-empty line; a report that pins no scores."""
    segs, pos = [], 0
    for line in t.split("\n"):
        if line.strip():
            segs.append(Segment(pos, pos + len(line), line))
        pos += len(line) + 1
    sents = [SentenceResult(s, 80.0, len(s.text.split()), 1.0) for s in segs]
    return Report(path, t, segs, list(findings), list(edits), sents, 80.0,
                  sum(s.words for s in sents), 1.0, {"mtqa": "0.1.0"})


def edit(start, end, rep, applied=True, reason=None, rule="TST001"):
    return Edit(start, end, rep, Origin.RULE, rule, 0.9, applied, applied, reason)


# ---------------------------------------------------------------- text
def test_text_lists_each_finding_with_its_position():
    out = text.render([sample_report()])
    r = sample_report()
    for f in r.findings:
        line = r.text.count("\n", 0, f.start) + 1
        col = f.start - (r.text.rfind("\n", 0, f.start) + 1) + 1
        expect = f"examples/fixture.txt:{line}:{col}: {f.rule_id} [{f.severity.value}/{f.category.value}] "
        assert any(ln.strip().startswith(expect + f.message) for ln in out.splitlines()), expect
    assert "NUM001 [minor/locale] No space between a currency symbol and the amount. (→ $30)" in out
    assert "(→ A lively discussion | A substantive discussion)" in out


def test_text_groups_by_sentence_with_score_and_hides_boilerplate():
    out = text.render([sample_report()])
    assert out.startswith("examples/fixture.txt: score 68.0")
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if "score 40.0" in ln)
    assert "It was adopted joint statement" in lines[head]
    assert "PAS001" in lines[head + 1] and "LT:EN_A_VS_AN" in lines[head + 2]
    assert "Post sponsored by" not in out and "EDITOR’S NOTE" not in out
    assert lines[-1] == ("1 document, score 68.0; 5 findings (0 critical, 3 major, 2 minor); "
                         "edits: 2 applied, 2 suggested, 1 rejected")


def test_text_empty_report_and_several_documents():
    out = text.render([sample_report(), empty_report()])
    assert "examples/empty.txt: score 100.0 (0 words" in out
    assert "no findings" in out
    # word-weighted: the empty document has no words, so it does not move the mean
    assert out.splitlines()[-1].startswith("2 documents, score 68.0; 5 findings")


def test_text_neutralises_control_characters():
    t = "Bad \x1b[2J thing.\n"
    f = Finding("TST001", Category.STYLE, Severity.MINOR, 0, 3, "msg\x1b[31m\nnext", ("a\rb",))
    out = text.render([plain_report(t, findings=[f])])
    assert "\x1b" not in out and "\r" not in out
    assert "msg\\x1b[31m next" in out


# ---------------------------------------------------------------- JSON
@pytest.mark.parametrize("reports", BOTH)
def test_json_is_valid_against_the_schema(reports):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = json.loads(json_report.render(reports))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["summary"]["documents"] == len(reports)


def test_json_schema_is_not_vacuous():
    data = json_report.to_dict([sample_report()])
    v = jsonschema.Draft202012Validator(SCHEMA)
    broken = json.loads(json.dumps(data))
    del broken["documents"][0]["findings"][0]["severity"]
    assert not v.is_valid(broken)
    broken = json.loads(json.dumps(data))
    broken["documents"][0]["edits"][0]["origin"] = "guess"
    assert not v.is_valid(broken)
    broken = json.loads(json.dumps(data))
    broken["summary"]["unknown"] = 1
    assert not v.is_valid(broken)


def test_json_content_matches_the_report():
    r = sample_report()
    data = json_report.to_dict([r, empty_report()])
    doc = data["documents"][0]
    assert doc["post_edited"] == r.post_edited
    assert "$30 billion" in doc["post_edited"] and "160,000." in doc["post_edited"]
    # offsets are Python str offsets into the input: they slice out the flagged text
    assert [r.text[f["start"]:f["end"]] for f in doc["findings"]] == [
        "$ 30", "An interested discussion", "160 thousand", "was", "It was adopted joint statement"]
    assert [r.text[b["start"]:b["end"]] for b in doc["boilerplate"]] == [
        "Post sponsored by", "EDITOR’S NOTE: This article is a translation."]
    assert [s["score"] for s in doc["sentences"]] == [96.0, 50.0, 90.0, 40.0]
    s = data["summary"]
    assert s["findings"] == 5 and s["by_severity"] == {"minor": 2, "major": 3, "critical": 0}
    assert s["by_category"]["locale"] == 2 and s["by_category"]["calque"] == 1
    assert (s["edits_applied"], s["edits_suggested"], s["edits_rejected"]) == (2, 2, 1)


def test_json_edits_name_the_finding_they_fix():
    """findings[].id and edits[].finding_id (schema 1.1): every edit of the fixture names
    its finding; a broken link is not valid JSON for the schema."""
    r = sample_report()
    doc = json_report.to_dict([r])["documents"][0]
    by_id = {f["id"]: f for f in doc["findings"]}
    assert len(by_id) == len(doc["findings"]) and [f["id"] for f in doc["findings"]] == [f.id for f in r.findings]
    for e in doc["edits"]:
        f = by_id[e["finding_id"]]
        assert (f["rule_id"], f["start"], f["end"], f["replacements"][0]) == (e["rule_id"], e["start"], e["end"],
                                                                          e["replacement"])
    broken = json.loads(json.dumps(json_report.to_dict([r])))
    broken["documents"][0]["edits"][0]["finding_id"] = "not-an-id"
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(broken)


def test_html_pairs_edits_with_findings_by_id():
    """An edit is shown under the finding whose id it carries, not under one that merely
    has its rule id and span; an edit with no finding in the report is listed on its own."""
    r = sample_report()
    cal = r.findings[1]
    twin = dataclasses.replace(cal, message="Another finding on the same words.", replacements=("A keen discussion",))
    edits = [dataclasses.replace(e, finding_id=twin.id) if e.finding_id == cal.id else e for e in r.edits]
    lone = Edit(cal.start, cal.end, "The discussion", Origin.MODEL, "CAL001", 0.5, False, False, "guard:names")
    tree = parse([dataclasses.replace(r, findings=r.findings + [twin], edits=edits + [lone])])
    card = squash(tree.xpath("//li[@id='d0-f1']")[0].text_content())
    twin_card = squash(tree.xpath("//li[@id='d0-f5']")[0].text_content())
    assert "Suggested, not applied" not in card  # its edit now names the twin
    assert "Suggested, not applied" in twin_card and "→ A lively discussion" in twin_card
    (orphan,) = tree.xpath("//li[@class='orphan']")
    assert "The discussion" in orphan.text_content()


def test_json_summary_score_is_word_weighted():
    a = dataclasses.replace(plain_report("one two three four\n"), score=90.0, words=4)
    b = dataclasses.replace(plain_report("five six\n"), score=60.0, words=1)
    assert json_report.to_dict([a, b])["summary"]["score"] == pytest.approx((90 * 4 + 60) / 5)
    assert json_report.to_dict([])["summary"]["score"] is None


# ---------------------------------------------------------------- diff
def apply_unified(original: str, patch: str) -> str:
    """Minimal applier, written independently of difflib: the result of applying ``patch``."""
    src = original.split("\n")
    src = [ln + "\n" for ln in src[:-1]] + ([src[-1]] if src[-1] else [])
    out, pos = [], 0
    lines = patch.splitlines(keepends=True)
    i = 2  # skip ---/+++
    while i < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[i])
        assert m, lines[i]
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out += src[pos:start]
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            tag, body = lines[i][0], lines[i][1:]
            if i + 1 < len(lines) and lines[i + 1].startswith("\\"):
                body = body[:-1]  # "\ No newline at end of file"
            if tag in " -":
                assert src[pos] == body
                pos += 1
            if tag in " +":
                out.append(body)
            i += 2 if i + 1 < len(lines) and lines[i + 1].startswith("\\") else 1
    return "".join(out + src[pos:])


def test_diff_round_trips_and_keeps_crlf():
    r = sample_report()
    d = diff.render([r])
    assert d.startswith("--- a/examples/fixture.txt\n+++ b/examples/fixture.txt\n")
    assert "-In 2019, trade exceeded $ 30 billion.\r\n" in d
    assert "+In 2019, trade exceeded $30 billion.\r\n" in d
    assert apply_unified(r.text, d) == r.post_edited


def test_diff_is_empty_when_nothing_changes():
    assert diff.render([empty_report()]) == ""
    r = sample_report()
    unapplied = dataclasses.replace(r, edits=[e for e in r.edits if not e.applied])
    assert diff.render([unapplied]) == ""


@pytest.mark.parametrize("t", ["no newline at end", "a\r\nb\r\nc", "x\n\n\ny\n", "\n"])
def test_diff_last_line_without_newline(t):
    r = plain_report(t, edits=[edit(0, 1, "Z")])
    d = diff.render([r])
    assert apply_unified(t, d) == r.post_edited
    if not t.endswith("\n"):
        assert "\\ No newline at end of file\n" in d


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
def test_diff_applies_with_gnu_patch(tmp_path):
    r1, r2 = sample_report("docs/one.txt"), plain_report("tail without newline", [edit(0, 4, "TAIL")], path="two.txt")
    for r in (r1, r2):
        p = tmp_path / r.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(r.text.encode())
    patchfile = tmp_path / "fix.diff"
    patchfile.write_bytes(diff.render([r1, r2]).encode())
    subprocess.run(["patch", "-p1", "-s", "-i", str(patchfile)], cwd=tmp_path, check=True)
    assert (tmp_path / r1.path).read_bytes() == r1.post_edited.encode()
    assert (tmp_path / r2.path).read_bytes() == r2.post_edited.encode()


# ---------------------------------------------------------------- HTML
def parse(reports):
    return lxml_html.document_fromstring(html.render(reports))


def article_text(tree, drop: str) -> str:
    """Text of the article with <del> (post-edited view) or <ins> (original) removed."""
    for el in tree.xpath(f"//div[@class='article']//{drop}"):
        el.drop_tree()
    return "".join(tree.xpath("//div[@class='article']")[0].itertext())


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("reports", BOTH)
def test_html_is_self_contained(reports):
    page = html.render(reports)
    tree = lxml_html.document_fromstring(page)
    assert page.startswith("<!DOCTYPE html>")
    for el in tree.iter():
        for attr in ("src", "href", "action", "srcset", "data"):
            v = el.get(attr)
            assert v is None or v.startswith("#"), (el.tag, attr, v)
    for st_el in tree.xpath("//style"):
        assert "@import" not in st_el.text and "url(" not in st_el.text
    assert not tree.xpath("//link|//img|//iframe|//object|//embed")
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp
    (script,) = tree.xpath("//script")  # our one inline script, allowed by its hash only
    digest = base64.b64encode(hashlib.sha256(script.text.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_html_escapes_article_text_and_messages():
    tree = parse([sample_report()])
    assert len(tree.xpath("//script")) == 1
    assert not tree.xpath("//*[@onerror]") and not tree.xpath("//img")
    body = tree.xpath("//body")[0].text_content()
    assert XSS in body and "<img src=x onerror=alert(2)>" in body
    assert "Possible <agreement> error & more" in body


def test_html_escapes_path_and_doc():
    r = dataclasses.replace(sample_report(), path='evil"><script>alert(3)</script>.txt')
    tree = parse([r])
    assert len(tree.xpath("//script")) == 1
    assert 'evil"><script>alert(3)</script>.txt' in tree.xpath("//h2[@class='path']")[0].text_content()


@pytest.mark.parametrize("reports", BOTH)
def test_html_track_changes_rebuild_both_texts(reports):
    for r in reports:
        if not r.text.strip():
            continue
        page = html.render([r])
        # squash: paragraph breaks are drawn as <p>, not as the input's blank lines
        assert squash(article_text(lxml_html.document_fromstring(page), "del")) == squash(r.post_edited)
        assert squash(article_text(lxml_html.document_fromstring(page), "ins")) == squash(r.text)


def test_html_word_level_changes():
    tree = parse([sample_report()])
    dels = [squash(e.text_content()) for e in tree.xpath("//div[@class='article']//del")]
    inss = [squash(e.text_content()) for e in tree.xpath("//div[@class='article']//ins")]
    assert dels == ["$ 30", "160 thousand"] and inss == ["$30", "160,000"]


def test_html_summary_findings_and_boilerplate():
    r = sample_report()
    tree = parse([r])
    summary = tree.xpath("//section[@class='summary']")[0].text_content()
    assert "68.0" in summary and "abc123def456" in summary
    stats = {squash(s.xpath("./span[@class='lbl']")[0].text_content()): s.xpath("./span[@class='val']")[0].text
             for s in tree.xpath("//div[@class='stat']")}
    assert (stats["Findings"], stats["Applied"], stats["Suggested"], stats["Rejected"]) == ("5", "2", "2", "1")
    bps = [squash(b.text_content()) for b in tree.xpath("//div[@class='article']//span[@class='bp']")]
    assert bps == ["Post sponsored by", "EDITOR’S NOTE: This article is a translation."]
    shades = [s.get("class") for s in tree.xpath("//div[@class='article']//span[starts-with(@class, 's ')]")]
    assert shades == ["s band-good", "s band-poor", "s band-good", "s band-bad"]
    cards = tree.xpath("//li[contains(@class, 'finding')]")
    assert len(cards) == len(r.findings)
    for k, f in enumerate(r.findings):
        (card,) = tree.xpath(f"//li[@id='d0-f{k}']")
        t = squash(card.text_content())
        assert f.message in t and f.rule_id in t and f.severity.value in t and f.origin.value in t
        assert all(x in t for x in f.replacements)
        # every finding is highlighted in the text and links to its card
        marks = [m for m in tree.xpath("//div[@class='article']//a[@data-sev]") if f"· {f.rule_id}: " in m.get("title")]
        assert squash("".join(m.text_content() for m in marks)) == squash(r.text[f.start:f.end])
        assert tree.xpath(f"//div[@class='article']//a[@href='#d0-f{k}']") or len(marks) > 0
    lt = squash(tree.xpath("//li[@id='d0-f3']//details")[0].text_content())
    assert "LanguageTool rule EN_A_VS_AN" in lt
    assert "Rejected by the meaning guard (negation)" in squash(tree.xpath("//li[@id='d0-f3']")[0].text_content())
    assert "overlaps another edit" in squash(tree.xpath("//li[@id='d0-f4']")[0].text_content())


def test_html_shows_rule_documentation_from_the_registry():
    from mtqa.checks.rules import all_rules

    rules = [r for r in all_rules() if r.doc]
    if not rules:
        pytest.skip("the rule registry is empty")
    rule = rules[0]
    f = Finding(rule.id, rule.category, rule.severity, 0, 3, "m")
    tree = parse([plain_report("Abc def.\n", findings=[f])])
    doc = tree.xpath("//details[@class='ruledoc']/div")[0].text_content()
    assert doc == rule.doc


def test_html_empty_report():
    tree = parse([empty_report()])
    assert "The document is empty." in tree.text_content()
    assert "No findings." in tree.text_content()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab .,\n\r😀‸-", min_size=1, max_size=40), st.data())
def test_html_track_changes_property(t, data):
    """Random non-overlapping applied edits and findings (zero-width too): the ins-less
    text is the input, the del-less text the post-edited one, whatever the word diff does."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(t)), max_size=6)))
    edits = [edit(a, b, data.draw(st.sampled_from(["", "X", "new words", "\n"])))
             for a, b in zip(cuts[::2], cuts[1::2])]
    edits = [e for e in edits if e.start < e.end or e.replacement]
    assume(t.strip() or edits)  # else the page rightly says "The document is empty."
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(t)), st.integers(0, 3)), max_size=4))
    findings = [Finding("TST002", Category.STYLE, Severity.MAJOR, a, min(a + n, len(t)), "m") for a, n in spans]
    segs = [Segment(0, len(t), t)]
    r = Report("p", t, segs, findings, edits, [SentenceResult(segs[0], 50.0, 1, 1.0)], 50.0, 1, 1.0)
    page = html.render([r])
    norm = lambda s: squash(s.replace("\r", "\n"))  # noqa: E731 - HTML reads CR as a line break
    assert norm(article_text(lxml_html.document_fromstring(page), "del")) == norm(r.post_edited)
    assert norm(article_text(lxml_html.document_fromstring(page), "ins")) == norm(t)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_html_tokens_cover_the_text(t):
    assert "".join(html._TOKEN.findall(t)) == t


# ---------------------------------------------------------------- registry wiring
@pytest.mark.parametrize("fmt", ["text", "json", "diff", "html"])
def test_registry_dispatches_to_these_renderers(fmt):
    reports = [sample_report(), empty_report()]
    mod = {"text": text, "json": json_report, "diff": diff, "html": html}[fmt]
    assert render(reports, fmt) == mod.render(reports)


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    driver = headless_chrome(1280, 1600)
    yield driver
    driver.quit()


@pytest.mark.browser
def test_html_in_a_real_browser(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    page = tmp_path / "report.html"
    page.write_text(html.render([sample_report(), empty_report()]), encoding="utf-8")
    browser.get_log("browser")  # drop entries from earlier pages
    browser.get(page.as_uri())
    body = browser.execute_script("return document.body.innerText")
    assert XSS in body and "onerror=alert(2)" in body
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    # our script ran under the CSP (its hash matched) ...
    assert browser.execute_script("return document.documentElement.classList.contains('js')")
    # ... and its severity filter works: hiding "major" hides the major cards
    visible = lambda: [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, "li.finding") if e.is_displayed()]  # noqa: E731
    assert len(visible()) == 5
    browser.find_element(By.CSS_SELECTOR, "input[data-filter-sev][value='major']").click()
    assert visible() == ["d0-f0", "d0-f2"]
    browser.find_element(By.CSS_SELECTOR, "input[name='view'][value='edited']").click()
    article = browser.find_element(By.CSS_SELECTOR, "#d0 .article").text
    assert "$30 billion" in article and "$ 30" not in article
    browser.save_screenshot("/tmp/mtqa-report.png")  # for a human look at the design
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
