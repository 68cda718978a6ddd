"""Source-aware quality estimate (--source): Gemma 3 270M's forced-decoding probability
of the English given its Russian source, combined with the English-only estimate."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from mtqa.errors import ToolError
from mtqa.qe.model import DEFAULT_PATH, QualityEstimator, SourceQE
from mtqa.qe.source_lm import NAMES, source_features, source_logprobs

# DEMETR ru-en (MIT), items 502 and 501: sources and their MT.
SRC = "Дипломатические отношения с Катаром три года назад разорвали ОАЭ, Саудовская Аравия, Египет и Бахрейн."
MT = "Diplomatic relations with Qatar were severed by the United Arab Emirates, Saudi Arabia, Egypt and Bahrain three years ago."
SRC2 = ("В Московском регионе в воскресенье, 26 июля, ожидаются небольшие дожди и переменная облачность, "
        "сообщает Гидрометцентр России.")
MT2 = ("In the Moscow region on Sunday, July 26, light rains and partly cloudy weather are expected, "
       "the Hydrometeorological Center of Russia reports.")
# Fluent English that says something else: only the source can show it.
WRONG = "Diplomatic relations with Qatar were restored by the United States, Saudi Arabia, Egypt and Bahrain three years ago."


def test_source_features_without_model():
    f = source_features([np.array([-1.0, -2.0, -9.0], np.float32), np.zeros(0, np.float32)],
                        [np.array([-3.0, -3.0, -9.0], np.float32), np.zeros(0, np.float32)])
    assert f.shape == (2, len(NAMES))
    assert f[0].tolist() == pytest.approx([-4.0, -5.0])
    assert (f[1] == 0).all()


def test_shipped_source_model_matches_features():
    spec = json.loads((DEFAULT_PATH / "source.json").read_text(encoding="utf-8"))
    m = SourceQE(spec)
    assert len(m.w) == 1 + len(NAMES) == len(m.mu)
    assert np.all(np.diff(m.knots_x) > 0) and np.all(np.diff(m.knots_y) > 0)
    # a likelier translation of the source can only raise the score; English that is
    # merely predictable without the source does not earn it
    assert m.w[0] > 0 and m.w[1] > 0 and m.w[2] < 0


def _copy_english_model(folder):
    """The English-only model and the file it names (its int8 calibration), without source.json."""
    shutil.copy(DEFAULT_PATH / "model.json", folder / "model.json")
    calibration = json.loads((DEFAULT_PATH / "model.json").read_text(encoding="utf-8")).get("lm_smoothing")
    if calibration:
        shutil.copy(DEFAULT_PATH / calibration, folder / calibration)


def test_broken_source_model_is_a_tool_error(tmp_path):
    _copy_english_model(tmp_path)
    (tmp_path / "source.json").write_text('{"format": 1, "features": ["x"]}')
    with pytest.raises(ToolError, match="source QE model"):
        QualityEstimator.load(tmp_path)
    (tmp_path / "source.json").write_text("{not json")
    with pytest.raises(ToolError, match="cannot read source QE model"):
        QualityEstimator.load(tmp_path)


@pytest.fixture(scope="module")
def gemma():
    from mtqa.models.lm import load_causal_lm
    from mtqa.qe.source_lm import DEFAULT_SOURCE_LM

    return load_causal_lm(DEFAULT_SOURCE_LM)


@pytest.mark.model
def test_source_logprobs_batched_equal_single_and_source_matters(gemma):
    srcs, mts = [SRC, SRC2, SRC], [MT, MT2, WRONG]
    batched = source_logprobs(gemma, srcs, mts, batch_tokens=64)  # forces one pair per batch
    together = source_logprobs(gemma, srcs, mts)
    for a, b in zip(batched, together):
        assert len(a) == len(b) and np.allclose(a, b, atol=2e-3)
    n = len(gemma.tokenizer(" " + MT, add_special_tokens=False)["input_ids"])
    assert len(together[0]) == n and (together[0] <= 0).all()
    # the same English is likelier after its own source than after another one
    other = source_logprobs(gemma, [SRC2], [MT])[0]
    assert together[0].sum() > other.sum() + 5
    # and the faithful translation is likelier than the fluent mistranslation
    assert together[0].sum() > together[2].sum()


@pytest.fixture(scope="module")
def qe():
    return QualityEstimator.load()


@pytest.mark.model
def test_source_aware_score(qe):
    assert qe.source_qe is not None and qe.source_model_id.startswith("mtqa-qe-source:gemma3:")
    english = qe.score([MT, WRONG])
    with_src = qe.score([MT, WRONG], sources=[SRC, SRC])
    assert all(0 <= v <= 100 for v in english + with_src)
    # the mistranslation loses more against the faithful one once the source is seen
    assert with_src[0] - with_src[1] > english[0] - english[1]
    assert with_src[0] > with_src[1]
    # a blank source keeps the English-only score; no words scores 0 either way
    assert qe.score([MT, "."], sources=["", SRC]) == pytest.approx([english[0], 0.0])
    with pytest.raises(ValueError):
        qe.score([MT], sources=[SRC, SRC])


@pytest.mark.model
def test_pipeline_uses_the_source_with_lines():
    from mtqa.run.checker import Backends, Checker, Settings

    text = f"{MT}\n{WRONG}\n"
    with Checker(Backends(languagetool=False, model=False, qe=True)) as checker:
        plain = checker.check(text, settings=Settings(lines=True))
        aware = checker.check(text, settings=Settings(lines=True), source=f"{SRC}\n{SRC}\n")
        doc = checker.check(text, source=f"{SRC} {SRC}")  # not line-aligned: English-only
    assert "qe_source" not in plain.signature and "qe_source" not in doc.signature
    assert aware.signature["qe_source"].startswith("mtqa-qe-source:")
    assert [r.score for r in doc.sentences] == [r.score for r in plain.sentences]
    assert [r.score for r in aware.sentences] != [r.score for r in plain.sentences]
    assert aware.sentences[0].score > aware.sentences[1].score


@pytest.mark.model
def test_eval_qe_with_source(tmp_path):
    from mtqa.cli.main import app

    (tmp_path / "mt.en").write_text(f"{MT}\n{WRONG}\n{MT2}\n", encoding="utf-8")
    (tmp_path / "src.ru").write_text(f"{SRC}\n{SRC}\n{SRC2}\n", encoding="utf-8")
    (tmp_path / "gold.txt").write_text("90\n20\n80\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "qe", "--mt", str(tmp_path / "mt.en"), "--scores", str(tmp_path / "gold.txt"),
                                 "--source", str(tmp_path / "src.ru"), "--format", "json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["source_model_id"].startswith("mtqa-qe-source:") and res["n"] == 3
    # a source with the wrong line count, and a QE model without a source-aware part
    (tmp_path / "short.ru").write_text(f"{SRC}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "qe", "--mt", str(tmp_path / "mt.en"), "--scores", str(tmp_path / "gold.txt"),
                                 "--source", str(tmp_path / "short.ru")])
    assert r.exit_code == 2 and "line counts differ" in r.output
    only = tmp_path / "qe"
    only.mkdir()
    _copy_english_model(only)
    r = CliRunner().invoke(app, ["eval", "qe", "--mt", str(tmp_path / "mt.en"), "--scores", str(tmp_path / "gold.txt"),
                                 "--source", str(tmp_path / "src.ru"), "--model", str(only)])
    assert r.exit_code == 2 and "no source-aware part" in r.output


@pytest.mark.model
def test_cli_check_lines_with_source(tmp_path):
    from mtqa.cli.main import app

    (tmp_path / "mt.en").write_text(f"{MT}\n{WRONG}\n", encoding="utf-8")
    (tmp_path / "src.ru").write_text(f"{SRC}\n{SRC}\n", encoding="utf-8")
    args = ["check", "--lines", str(tmp_path / "mt.en"), "--no-languagetool", "--no-cache", "--format", "json"]
    r = CliRunner().invoke(app, args + ["--source", str(tmp_path / "src.ru")])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)["documents"][0]
    assert doc["signature"]["qe_source"].startswith("mtqa-qe-source:")
    assert doc["sentences"][0]["score"] > doc["sentences"][1]["score"]
    r = CliRunner().invoke(app, args)
    assert "qe_source" not in json.loads(r.output)["documents"][0]["signature"]
