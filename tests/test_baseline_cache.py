"""Lossless report serialization, the result cache, and CI baselines."""
from __future__ import annotations

import dataclasses
import json

import pytest

from mtqa.run.baseline import filter_new, fingerprint, load_baseline, write_baseline
from mtqa.run.cache import ResultCache, cache_key, key_parts
from mtqa.run.config import Config, parse_config
from mtqa.errors import InputError
from mtqa.run.serialize import report_from_dict, report_to_dict
from mtqa.types import Category, Edit, Finding, Origin, Report, Segment, SentenceResult, Severity
from report_fixtures import empty_report, sample_report


def _odd_report() -> Report:
    text = "\ufeffA 😀 b.\r\nSecond é."
    seg = Segment(1, 7, text[1:7], "sentence", 3)
    f = Finding("LT:X", Category.FLUENCY, Severity.CRITICAL, 3, 4, "m\n\"q\"", ("a", ""), Origin.MODEL, True,
                0.1 + 0.2)
    e = Edit(3, 4, "", Origin.MODEL, "LT:X", 1 / 3, True, False, "guard:negation")
    return Report("dir/ü.md", text, [seg], [f], [e], [SentenceResult(seg, 33.333333333333336, 2, 0.1)],
                  score=99.99999999999999, words=2, penalty=1e-9, signature={"model": None, "n": [1, 2]},
                  errors=["lt: timeout"])


@pytest.mark.parametrize("make", [sample_report, empty_report, _odd_report])
def test_serialize_round_trip_is_exact(make):
    r = make()
    d = report_to_dict(r)
    back = report_from_dict(json.loads(json.dumps(d)))
    assert back == r
    for fld in dataclasses.fields(Report):  # field by field, types included
        assert getattr(back, fld.name) == getattr(r, fld.name)
        assert type(getattr(back, fld.name)) is type(getattr(r, fld.name))
    assert all(type(f.replacements) is tuple for f in back.findings)
    assert back.post_edited == r.post_edited


def test_serialize_rejects_other_formats():
    d = report_to_dict(sample_report())
    d["format"] = 99
    with pytest.raises(ValueError):
        report_from_dict(d)


def test_cache_put_get_and_misses(tmp_path):
    cache = ResultCache(tmp_path / "results")
    r = sample_report()
    key = cache_key(r.text, {"config": "abc", "mtqa": "0.1.0"})
    assert cache.get(key) is None
    assert cache.put(key, r) is True
    assert cache.get(key) == r
    assert [p.name for p in (tmp_path / "results").iterdir()] == [f"{key}.json"]  # no temp files left
    (tmp_path / "results" / f"{key}.json").write_text("{not json", encoding="utf-8")
    assert cache.get(key) is None  # corrupt entry: a miss, never an error
    other = cache_key(r.text, {"config": "abd", "mtqa": "0.1.0"})
    (tmp_path / "results" / f"{other}.json").write_text(json.dumps({"key": key, "report": {}}), encoding="utf-8")
    assert cache.get(other) is None  # an entry under the wrong name is not trusted


def test_cache_put_on_unwritable_dir_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert ResultCache(blocker / "results").put("ab" * 32, sample_report()) is False


def test_cache_default_dir_follows_mtqa_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MTQA_CACHE", str(tmp_path))
    assert ResultCache().dir == tmp_path / "results"


def test_cache_key_changes_with_text_config_and_parts():
    text = "Some text."
    cfg = Config()
    strict = parse_config({"fail-on": "minor", "ignore": ["ART"]}, "mtqa.toml")
    base = cache_key(text, key_parts(cfg.signature(), {"languagetool": "6.8"}))
    assert base == cache_key(text, key_parts(cfg.signature(), {"languagetool": "6.8"}))
    assert base != cache_key(text, key_parts(strict.signature(), {"languagetool": "6.8"}))
    assert base != cache_key(text + " ", key_parts(cfg.signature(), {"languagetool": "6.8"}))
    assert base != cache_key(text, key_parts(cfg.signature(), {"languagetool": "6.9"}))
    assert base != cache_key(text, key_parts(cfg.signature(), {"languagetool": "6.8", "model": "smollm2"}))
    assert base != cache_key(text, key_parts(cfg.signature(), {"languagetool": "6.8"}, kind="markdown"))
    assert cache_key(text, {"a": 1, "b": 2}) == cache_key(text, {"b": 2, "a": 1})
    parts = key_parts("x")
    assert set(parts) == {"config", "mtqa", "code", "rules", "backends"} and len(parts["rules"]) == 12


def test_cache_key_changes_with_mtqa_code(monkeypatch):
    """A checkout whose code changed (same __version__) must not be served an old report."""
    import mtqa

    text = "Some text."
    base = cache_key(text, key_parts("x"))
    assert key_parts("x")["code"] == mtqa.source_digest()
    monkeypatch.setattr(mtqa, "source_digest", lambda folder=None: "0" * 12)
    assert cache_key(text, key_parts("x")) != base


def test_source_digest_reads_code_and_data_not_bytecode(tmp_path):
    from mtqa import source_digest

    (tmp_path / "m.py").write_text("x = 1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "words.txt").write_text("a\n")
    first = source_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    source_digest.cache_clear()
    assert source_digest(tmp_path) == first
    (tmp_path / "data" / "words.txt").write_text("b\n")
    source_digest.cache_clear()
    assert source_digest(tmp_path) != first
    source_digest.cache_clear()


def _shifted(r: Report, prefix: str) -> Report:
    """The same article with ``prefix`` inserted at the top: every offset moves."""
    n = len(prefix)
    mv = lambda x: dataclasses.replace(x, start=x.start + n, end=x.end + n)  # noqa: E731
    return dataclasses.replace(r, text=prefix + r.text, segments=[mv(s) for s in r.segments],
                               findings=[mv(f) for f in r.findings], edits=[mv(e) for e in r.edits])


def test_baseline_round_trip_and_only_new_findings_remain(tmp_path):
    r = sample_report()
    path = tmp_path / "mtqa-baseline.json"
    assert write_baseline([r, empty_report()], str(path)) == len(r.findings)
    base = load_baseline(str(path))
    assert len(base) == len(r.findings)
    assert filter_new(r, base).findings == []
    # Lines added above: offsets shift, fingerprints do not.
    shifted = _shifted(r, "Breaking news line.\n\nAnother one.\n")
    assert filter_new(shifted, base).findings == []
    # A new finding, and a second copy of a baselined one, are both new.
    extra = dataclasses.replace(r.findings[0], rule_id="NUM999")
    dup = r.findings[2]
    grown = dataclasses.replace(r, findings=r.findings + [extra, dup])
    assert filter_new(grown, base).findings == [extra, dup]
    # The same finding in another file, or in an edited sentence, is new.
    assert len(filter_new(sample_report("other/file.txt"), base).findings) == len(r.findings)
    edited_text = r.text.replace("trade exceeded", "trade rose above")
    seg = r.segments[1]
    grow = len(edited_text) - len(r.text)
    moved = dataclasses.replace(r, text=edited_text, segments=[dataclasses.replace(
        seg, end=seg.end + grow, text=edited_text[seg.start:seg.end + grow])] + r.segments[2:],
        findings=[dataclasses.replace(r.findings[0], start=r.findings[0].start + grow, end=r.findings[0].end + grow)])
    assert edited_text[moved.findings[0].start:moved.findings[0].end] == "$ 30"
    assert filter_new(moved, base).findings == moved.findings
    # Score and edits are not touched by the baseline.
    assert filter_new(r, base).score == r.score and filter_new(r, base).edits == r.edits


def test_baseline_file_is_readable_and_paths_normalized(tmp_path):
    path = tmp_path / "b.json"
    write_baseline([sample_report("./news/a.txt")], str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    first = data["findings"][0]
    assert set(first) == {"fingerprint", "rule_id", "path", "text", "sentence"} and first["path"] == "news/a.txt"
    r = sample_report("news/a.txt")
    assert fingerprint(r, r.findings[0]) == fingerprint(sample_report("./news/a.txt"), r.findings[0])


@pytest.mark.parametrize("content, needle", [
    (None, "no such baseline file"),
    ("[1, 2", "invalid JSON"),
    ('{"version": 7, "findings": []}', "not a mtqa baseline file"),
    ('{"version": 1, "findings": [{"rule_id": "X"}]}', "without a fingerprint"),
])
def test_bad_baseline_is_one_line(tmp_path, content, needle):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=needle) as exc:
        load_baseline(str(path))
    assert "\n" not in str(exc.value) and str(exc.value).startswith(str(path))
