"""The CI gate: many files, directories, real WMT22 articles, SARIF/JUnit validated against
their schemas, exit codes, broken inputs reported while the rest is checked, the cache, the
project config and inline suppressions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtqa.run.batch import RunOptions, run
from mtqa.run.config import load_config
from mtqa.evaluate.datasets import write_articles

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "wmt22-ru-en" / "news"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


def mtqa(*args, cwd=None, env=None):
    # The batch machinery is the subject here: rules + LanguageTool, no model or QE
    # scorer (test_cli.py runs the full default stack on the sample article).
    if args and args[0] == "check":
        args = (*args, "--no-model", "--no-qe")
    return subprocess.run([sys.executable, "-m", "mtqa", *args], capture_output=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=900)


def need_shared(path: Path):
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing in CI")
        pytest.skip(f"{path} not present (a user's clone has no ../shared)")


@pytest.fixture(scope="module")
def wmt_dir(tmp_path_factory):
    need_shared(NEWS)
    d = tmp_path_factory.mktemp("wmt22-news")
    write_articles(NEWS / "mt" / "Online-A.en", NEWS / "segments.tsv", d, limit=12)
    return d


def test_sarif_and_junit_over_wmt22_articles(wmt_dir, lt_url, tmp_path):
    need_shared(SARIF_SCHEMA)
    import jsonschema
    from lxml import etree

    sarif = tmp_path / "out.sarif"
    p = mtqa("check", str(wmt_dir), "--format", "sarif", "-o", str(sarif), "--lt-url", lt_url,
             "--no-cache", env={"CI": "1"})
    assert p.returncode == 0, p.stderr.decode()
    log = json.loads(sarif.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    results = log["runs"][0]["results"]
    assert results, "no findings over 12 real MT articles"
    names = {f.name for f in wmt_dir.iterdir()}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(u.rsplit("/", 1)[-1] in names for u in uris), uris
    junit = tmp_path / "out.xml"
    p = mtqa("check", str(wmt_dir), "--format", "junit", "-o", str(junit), "--lt-url", lt_url)
    assert p.returncode == 0, p.stderr.decode()
    xsd = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "junit.xsd")))
    doc = etree.parse(str(junit))
    xsd.assertValid(doc)
    assert len(doc.findall(".//testcase")) == 12


def test_exit_codes_follow_fail_under_and_fail_on(wmt_dir, lt_url):
    base = ["check", str(wmt_dir), "--format", "summary", "--lt-url", lt_url]
    assert mtqa(*base).returncode == 0
    assert mtqa(*base, "--fail-under", "100").returncode == 1
    assert mtqa(*base, "--fail-under", "0").returncode == 0
    assert mtqa(*base, "--fail-on", "minor").returncode == 1
    assert mtqa(*base, "--fail-on", "none").returncode == 0


def test_second_run_comes_from_the_cache(wmt_dir, lt_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MTQA_CACHE", str(tmp_path / "cache"))
    cfg = load_config(tmp_path)
    opts = RunOptions(lt_url=lt_url, progress=False, no_model=True, no_qe=True)
    first = run([str(wmt_dir)], cfg, opts)
    second = run([str(wmt_dir)], cfg, opts)
    assert first.cached == 0 and second.cached == len(second.reports) == 12
    assert [r.findings for r in first.reports] == [r.findings for r in second.reports]
    assert [r.score for r in first.reports] == [r.score for r in second.reports]
    # A changed article is checked again; the others still come from the cache.
    f = sorted(wmt_dir.iterdir())[0]
    orig = f.read_text(encoding="utf-8")
    try:
        f.write_text(orig + "\nTrade exceeded $ 30 billion.\n", encoding="utf-8")
        third = run([str(wmt_dir)], cfg, opts)
        assert third.cached == 11
    finally:
        f.write_text(orig, encoding="utf-8")


def test_broken_inputs_are_reported_and_the_rest_is_checked(tmp_path, lt_url):
    d = tmp_path / "batch"
    d.mkdir()
    (d / "good.txt").write_text("In 2019, trade exceeded $ 30 billion.\n", encoding="utf-8")
    (d / "feed.rss").write_text("<rss><channel><item><title>Broken", encoding="utf-8")
    (d / "page.html").write_bytes(b"\x00\x01\x02<html><body><p>bin")
    (d / "cyr.txt").write_bytes("Министр заявил.".encode("cp1251"))
    os.mkfifo(d / "pipe.txt")
    p = mtqa("check", str(d), "--format", "json", "--lt-url", lt_url, "--no-cache")
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "Traceback" not in err
    assert "feed.rss" in err and "page.html" in err and "cyr.txt" in err and "pipe.txt" in err
    assert "cp1251" in err
    docs = json.loads(p.stdout)["documents"]
    assert [Path(x["path"]).name for x in docs] == ["good.txt"]
    assert docs[0]["findings"]


def test_project_config_select_glossary_and_fail_on(tmp_path, lt_url):
    (tmp_path / "mtqa.toml").write_text(
        'ignore = ["CAL"]\nfail-on = "major"\n'
        '[severity]\nNUM001 = "critical"\n'
        '[[glossary]]\nterm = "Sergei Lavrov"\nvariants = ["Sergey Lavrov"]\n',
        encoding="utf-8")
    (tmp_path / "a.txt").write_text(
        "Sergey Lavrov took part in the format of a video conference. Trade exceeded $ 30 billion.\n",
        encoding="utf-8")
    p = mtqa("check", "a.txt", "--format", "json", "--lt-url", lt_url, "--no-cache", cwd=tmp_path)
    assert p.returncode == 1, p.stderr.decode()  # the critical NUM001 fails fail-on=major
    f = json.loads(p.stdout)["documents"][0]["findings"]
    ids = {x["rule_id"]: x for x in f}
    assert "GLO001" in ids and ids["GLO001"]["replacements"] == ["Sergei Lavrov"]
    assert not any(i.startswith("CAL") for i in ids)
    assert ids["NUM001"]["severity"] == "critical"
    p = mtqa("config", cwd=tmp_path)
    assert p.returncode == 0 and 'fail-on = "major"' in p.stdout.decode()
    (tmp_path / "mtqa.toml").write_text('bogus-key = 1\n', encoding="utf-8")
    p = mtqa("check", "a.txt", "--lt-url", lt_url, cwd=tmp_path)
    assert p.returncode == 2 and "bogus-key" in p.stderr.decode()


def test_markdown_code_is_not_flagged_and_suppression_works(tmp_path, lt_url):
    md = tmp_path / "a.md"
    md.write_text(
        "# Report\n\nTrade exceeded $ 30 billion.\n\n```\nprice = $ 30 thousand\n```\n\n"
        "<!-- mtqa-disable-next-line NUM -->\nImports reached $ 5 billion.\n",
        encoding="utf-8")
    p = mtqa("check", str(md), "--format", "json", "--lt-url", lt_url, "--no-cache")
    assert p.returncode == 0, p.stderr.decode()
    text = md.read_text(encoding="utf-8")
    nums = [x for x in json.loads(p.stdout)["documents"][0]["findings"] if x["rule_id"].startswith("NUM")]
    # Only the prose line: not the code block, not the suppressed line.
    assert len(nums) == 1, nums
    assert nums[0]["start"] >= text.index("Trade") and nums[0]["end"] <= text.index("```")


def test_markdown_links_and_code_spans_stay_inside_their_sentence(tmp_path, lt_url):
    """Inline markup is masked, not a sentence break: the sentence around a link or a code
    span is checked and scored whole (it was three fragments), nothing is flagged or edited
    on the markup, and `mtqa fix` writes the links back byte for byte."""
    md = tmp_path / "a.md"
    text = ("# Talks\n\nSergei Lavrov met the [foreign minister](https://mid.ru/press?id=1 \"MID\") on Monday "
            "and said that trade exceeded $ 30 billion. The talks lasted `three  hours` in total, "
            "see <https://example.com/x> for details.\n")
    md.write_text(text, encoding="utf-8")
    p = mtqa("check", str(md), "--format", "json", "--lt-url", lt_url, "--no-cache", "--no-qe", "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    doc = json.loads(p.stdout)["documents"][0]
    assert [text[s["start"]:s["end"]] for s in doc["sentences"]] == [
        "Talks",
        'Sergei Lavrov met the [foreign minister](https://mid.ru/press?id=1 "MID") on Monday and said that '
        "trade exceeded $ 30 billion.",
        "The talks lasted `three  hours` in total, see <https://example.com/x> for details."]
    markup = [(text.index(m), text.index(m) + len(m)) for m in
              ("[", '](https://mid.ru/press?id=1 "MID")', "`three  hours`", "<https://example.com/x>")]
    for f in doc["findings"] + doc["edits"]:
        assert not any(s < f["end"] and f["start"] < e for s, e in markup), f
    assert [f["rule_id"] for f in doc["findings"]] == ["NUM001"]  # the doubled space in the code span is not
    out = tmp_path / "fixed.md"
    p = mtqa("fix", str(md), "-o", str(out), "--lt-url", lt_url, "--no-model")
    assert p.returncode == 0, p.stderr.decode()
    assert out.read_text(encoding="utf-8") == text.replace("$ 30", "$30")


def test_baseline_fails_only_on_new_findings(tmp_path, lt_url):
    a = tmp_path / "a.txt"
    a.write_text("Trade exceeded $ 30 billion.\n", encoding="utf-8")
    bl = tmp_path / "baseline.json"
    p = mtqa("check", str(a), "--write-baseline", str(bl), "--lt-url", lt_url, "--no-cache")
    assert p.returncode == 0 and bl.exists()
    p = mtqa("check", str(a), "--baseline", str(bl), "--fail-on", "minor", "--lt-url", lt_url)
    assert p.returncode == 0, p.stdout.decode()
    a.write_text("Trade exceeded $ 30 billion.\n\nImports grew by 6,5 percent.\n", encoding="utf-8")
    p = mtqa("check", str(a), "--baseline", str(bl), "--fail-on", "minor", "--format", "json",
             "--lt-url", lt_url)
    assert p.returncode == 1
    f = json.loads(p.stdout)["documents"][0]["findings"]
    assert [x["rule_id"] for x in f if x["rule_id"].startswith("NUM")] == ["NUM004"]


def test_the_model_runs_by_default_only_once_it_earned_it(tmp_path, monkeypatch):
    """The post-editor runs by default only when the model that makes the default's edits
    ships held-out apply ("guard") thresholds: the adapter behind the tagger's screen, or,
    without a screen, the tagger or the adapter alone.  --no-model, --model and the
    config's [model] always win."""
    import json as _json

    from mtqa.run.batch import model_wanted
    from mtqa.run.config import ModelConfig
    from mtqa.suggest import backend

    shipped = _json.loads((backend.DEFAULT_ADAPTER / "adapter.json").read_text())
    tagger = _json.loads((backend.DEFAULT_TAGGER / "tagger.json").read_text())
    assert backend.default_spec() == "default" and tagger.get("screen")  # the screened adapter
    assert backend.default_model_earns_default() is bool(shipped.get("guard"))
    assert model_wanted(ModelConfig(), RunOptions()) is bool(shipped.get("guard"))
    # a tagger without a screen is the default itself: its own thresholds decide
    alone = tmp_path / "tagger"
    alone.mkdir()
    (alone / "tagger.json").write_text(_json.dumps({k: v for k, v in tagger.items() if k != "screen"}))
    monkeypatch.setattr(backend, "DEFAULT_TAGGER", alone)
    assert backend.default_spec() == str(alone)
    assert backend.default_model_earns_default() is False
    (alone / "tagger.json").write_text(_json.dumps({**tagger, "screen": None, "guard": {"min_margin": 3.0}}))
    assert backend.default_model_earns_default() is True
    # without the shipped tagger, the adapter decides
    monkeypatch.setattr(backend, "DEFAULT_TAGGER", tmp_path / "none")
    assert backend.default_spec() == str(backend.DEFAULT_ADAPTER)
    assert backend.default_model_earns_default() is bool(shipped.get("guard"))

    earned = tmp_path / "adapter"
    earned.mkdir()
    (earned / "adapter.json").write_text(_json.dumps({**shipped, "guard": {"min_margin": 3.0}}))
    monkeypatch.setattr(backend, "DEFAULT_ADAPTER", earned)
    assert model_wanted(ModelConfig(), RunOptions()) is True
    assert model_wanted(ModelConfig(), RunOptions(no_model=True)) is False
    assert model_wanted(ModelConfig(enabled=False), RunOptions()) is False
    (earned / "adapter.json").write_text(_json.dumps({k: v for k, v in shipped.items() if k != "guard"}))
    assert model_wanted(ModelConfig(), RunOptions()) is False
    assert model_wanted(ModelConfig(), RunOptions(model="default")) is True
    assert model_wanted(ModelConfig(enabled=True), RunOptions()) is True
    assert model_wanted(ModelConfig(name="smollm2"), RunOptions()) is True
    assert model_wanted(ModelConfig(name="smollm2"), RunOptions(no_model=True)) is False
