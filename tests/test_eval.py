"""`mtqa eval`: scores files, sacrebleu parity on WMT22 ru-en, CLI exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtqa.evaluate import metrics as ev
from mtqa.cli.eval import eval_app
from mtqa.errors import InputError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
runner = CliRunner()


def _write(p: Path, lines: list[str]) -> str:
    p.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return str(p)


def test_read_scores_tsv_and_plain(tmp_path):
    tsv = _write(tmp_path / "s.tsv", ["line\tda_z_mean\thter", "1\t0.5\t0.1", "2\t-1.0\t0.3"])
    assert ev.read_scores(tsv) == [0.5, -1.0]
    assert ev.read_scores(tsv, "hter") == [0.1, 0.3]
    with pytest.raises(InputError, match="no column"):
        ev.read_scores(tsv, "nope")
    assert ev.read_scores(_write(tmp_path / "p", ["1", "2.5"])) == [1.0, 2.5]
    with pytest.raises(InputError):
        ev.read_scores(_write(tmp_path / "bad", ["1", "x"]))


def test_eval_qe_with_a_plain_scorer():
    res = ev.eval_qe(["a", "bb", "ccc", "dddd"], [1.0, 2.0, 3.0, 5.0], lambda s: [len(x) for x in s])
    assert res["spearman"] == pytest.approx(1.0) and 0.9 < res["pearson"] < 1.0
    with pytest.raises(InputError):
        ev.eval_qe(["a"], [1.0, 2.0], lambda s: [0.0])


def test_ape_cli_table_json_and_bad_input(tmp_path):
    mt = _write(tmp_path / "mt", ["The cat sat on mat.", "A dog barks.", "Hello there friend."])
    ref = _write(tmp_path / "ref", ["The cat sat on the mat.", "The dog barks.", "Hello there, friend."])
    hyp = _write(tmp_path / "hyp", ["The cat sat on the mat.", "A dog barks.", "Hello there, friend."])
    r = runner.invoke(eval_app, ["ape", "--mt", mt, "--ref", ref, "--hyp", hyp, "--bootstrap", "100"])
    assert r.exit_code == 0, r.output
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in r.output and "BLEU" in r.output
    r = runner.invoke(eval_app, ["ape", "--mt", mt, "--ref", ref, "--hyp", hyp, "--bootstrap", "100", "--format", "json"])
    res = json.loads(r.output)
    assert res["metrics"]["BLEU"]["delta"] > 0 and res["metrics"]["TER"]["delta"] < 0
    assert 0 < res["metrics"]["chrF"]["p_value"] <= 1
    short = _write(tmp_path / "short", ["only one line"])
    for args in (["ape", "--mt", mt, "--ref", short, "--hyp", hyp],
                 ["ape", "--mt", str(tmp_path / "missing"), "--ref", ref],
                 ["ape", "--mt", mt, "--ref", ref, "--format", "xml"]):
        r = runner.invoke(eval_app, args)
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_qe_cli_bad_input_is_exit_2(tmp_path):
    mt = _write(tmp_path / "mt", ["One.", "Two.", "Three."])
    sc = _write(tmp_path / "sc", ["1", "2"])
    r = runner.invoke(eval_app, ["qe", "--mt", mt, "--scores", sc])
    assert r.exit_code == 2 and "line counts differ" in r.output


def test_docs_rebuilds_articles(tmp_path):
    seg = _write(tmp_path / "seg.tsv", ["line\tdoc_id\tseg_in_doc", "1\tb\t2", "2\ta\t1", "3\tb\t1"])
    docs = ev.docs_text(["b2", "a1", "b1"], seg)
    assert [(d, t, i) for d, t, i in docs] == [("b", "b1\n\nb2\n", [2, 0]), ("a", "a1\n", [1])]


@pytest.mark.shared_data
@pytest.mark.skipif(not (DATA / "wmt22-ru-en").exists(), reason="../shared/data absent")
@pytest.mark.parametrize("system", ["Online-B", "JDExploreAcademy", "ALMAnaCH-Inria"])
def test_ape_raw_scores_equal_sacrebleu(system):
    from sacrebleu.metrics import BLEU, CHRF, TER

    base = DATA / "wmt22-ru-en"
    mt = (base / "mt" / f"{system}.en").read_text(encoding="utf-8").rstrip("\n").split("\n")
    ref = (base / "ref.A.en").read_text(encoding="utf-8").rstrip("\n").split("\n")
    r = runner.invoke(eval_app, ["ape", "--mt", str(base / "mt" / f"{system}.en"), "--ref", str(base / "ref.A.en"), "--raw-only", "--format", "json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)["metrics"]
    assert got["BLEU"]["mt"] == BLEU().corpus_score(mt, [ref]).score
    assert got["chrF"]["mt"] == CHRF().corpus_score(mt, [ref]).score
    assert got["TER"]["mt"] == TER().corpus_score(mt, [ref]).score
