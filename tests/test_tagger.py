"""The edit tagger (mtqa.suggest.tagger): its tags, applying them, and the shipped model on
real sentences."""
from __future__ import annotations

import json

import pytest

from mtqa.suggest.tagger import KEEP, apply_tags, edit_tags, ends_like_sentence, words


def _tags(src: str, tgt: str):
    return edit_tags([t.text for t in words(src)], [t.text for t in words(tgt)])


@pytest.mark.parametrize("src, tgt", [
    ("He arrived to Moscow on Monday.", "He arrived in Moscow on Monday."),
    # a sentence-initial word keeps its capital after an inserted article: a name cannot
    # be told from a common noun here ("The Austrian government")
    ("Government adopted the law.", "The Government adopted the law."),
    ("She is member of the board.", "She is a member of the board."),
    ("They discussed about the plan.", "They discussed the plan."),
    ("The two country signed it.", "The two countries signed it."),
    ("The minister say that prices rose.", "The minister says that prices rose."),
    ("It was adopted the joint statement.", "It was adopted the joint statement."),
    ("The the report was published.", "The report was published."),
])
def test_tags_turn_the_input_into_the_target(src, tgt):
    tags = _tags(src, tgt)
    assert tags is not None and len(tags) == len(words(src))
    assert apply_tags(src, words(src), tags) == tgt


def test_tag_kinds():
    assert _tags("He arrived to Moscow.", "He arrived in Moscow.")[2] == "R:in"
    assert _tags("She is member.", "She is a member.")[2] == "I:a"
    assert _tags("They discussed about it.", "They discussed it.")[2] == "D"
    assert _tags("The two country signed.", "The two countries signed.")[2] == "S:1:ies"
    assert _tags("Nothing changes here.", "Nothing changes here.") == [KEEP] * 4
    # an insertion after the last word cannot be said with one tag per input word
    assert _tags("He said", "He said so") is None


def test_spacing_outside_the_edits_is_kept():
    src = "In  2019 ,he  went to  school."
    tags = [KEEP] * len(words(src))
    assert apply_tags(src, words(src), tags) == src
    i = [t.text for t in words(src)].index("to")
    tags[i] = "R:into"
    assert apply_tags(src, words(src), tags) == "In  2019 ,he  went into  school."


def test_headlines_are_not_sentences():
    assert ends_like_sentence("The talks ended on Monday.")
    assert ends_like_sentence('He said: "We will win."')
    assert not ends_like_sentence("Codemasters announces purchase of Project CARS developers")
    assert not ends_like_sentence("")


@pytest.fixture(scope="module")
def tagger():
    from mtqa.suggest.backend import load_backend

    return load_backend("tagger")


@pytest.mark.model
def test_shipped_tagger_fixes_injected_errors_and_leaves_clean_text(tagger):
    """Real model, sentences it never saw: an agreement slip, a wrong preposition, a
    doubled article and a noun's number are fixed; clean sentences and a headline come
    back unchanged."""
    from mtqa.suggest.tagger import strongest_edit

    bad = ["The company have announced new prices yesterday.",
           "He was arrested by police and taken in the station.",
           "The ministers visited the a factory in the north of the country.",
           "The two country signed an agreement on Monday."]
    good = ["The ministers discussed the new rules for two hours.",
            "The talks will go on tomorrow.",
            "Codemasters announces purchase of Project CARS developers"]
    out = tagger.correct(bad + good)
    assert out[:4] == ["The company has announced new prices yesterday.",
                       "He was arrested by police and taken to the station.",
                       "The ministers visited the factory in the north of the country.",
                       "The two countries signed an agreement on Monday."]
    assert out[4:] == good
    assert all(strongest_edit(p) < 0 for p in tagger.predictions(good[:2]))
    # the guard's confidence margin of the agreement fix: log p(tag) - log p(keep), above
    # the suggestion threshold
    lps = tagger.logprobs(bad[0], [bad[0], out[0]])
    assert lps[1] - lps[0] >= tagger.suggest_settings["min_margin"]


@pytest.mark.model
def test_tagger_reads_the_estimates_pass(tagger, lt_url):
    """In a check with the QE, the tagger reads the states of the QE's own pass (no second
    pass) and tags exactly as with a pass of its own."""
    from mtqa.run.checker import Backends, Checker

    text = "The company have announced new prices yesterday. The talks will go on tomorrow."
    with Checker(Backends(lt_url=lt_url, qe=True, model=True, model_spec="tagger")) as ch:
        be = ch.suggester.backend
        assert be.qe is ch.qe and ch.qe.state_layers
        rep = ch.check(text)
        sents = [s.text for s in rep.segments if s.kind == "sentence"]
        assert all(ch.qe.recent_scores(s).states is not None for s in sents)
        via_qe = be.predictions(sents)
    be.qe = None
    own = be.predictions(sents)
    for a, b in zip(via_qe, own):
        assert (a.probs.argmax(1) == b.probs.argmax(1)).all()
        assert abs(a.probs - b.probs).max() < 1e-3
    assert any(e.rule_id == "MDL:R:VERB:SVA" for e in rep.edits)


@pytest.mark.model
def test_screen_sends_only_flagged_sentences_to_the_adapter(tagger, tmp_path):
    from mtqa.suggest.backend import OutputCache, ScreenedBackend
    from mtqa.suggest.tagger import strongest_edit

    class Inner:  # records what the adapter is asked to read (a unit seam, not a model)
        model_id, prompt_version = "inner", "v"
        cache = OutputCache(tmp_path / "outputs.sqlite")
        guard_settings, suggest_settings = {}, {"min_margin": 2.0}

        def __init__(self):
            self.asked = []

        def correct(self, sentences):
            self.asked += list(sentences)
            return [s.upper() for s in sentences]

    sents = ["The company have announced new prices yesterday.", "The talks will go on tomorrow."]
    margins = [strongest_edit(p) for p in tagger.predictions(sents)]
    assert margins[0] > 0 > margins[1]
    inner = Inner()
    sb = ScreenedBackend(tagger, inner, 0.0)
    assert sb.correct(sents) == [sents[0].upper(), sents[1]]
    assert inner.asked == [sents[0]] and sb.read == 1
    assert sb.suggest_settings == inner.suggest_settings
    # the screened outputs are cached: a second call reads neither the tagger nor the adapter
    assert sb.correct(sents) == [sents[0].upper(), sents[1]]
    assert inner.asked == [sents[0]] and sb.read == 1


@pytest.mark.model
def test_a_fresh_cache_reaches_the_screened_adapter(tmp_path):
    """A benchmark that gives the screened default a fresh output cache must get a cold
    adapter too: the adapter once kept answering from the user's cache, and a cost
    measurement read 1.20x where the cold figure was 2.22x."""
    from mtqa.suggest.backend import OutputCache, load_backend

    be = load_backend("default")
    cache = OutputCache(tmp_path / "fresh.sqlite")
    be.use_cache(cache)
    assert be.cache is cache and be.inner.cache is cache and be.tagger.cache is cache
    s = "The company have announced new prices yesterday."
    key = OutputCache.key(be.inner.model_id, be.inner.prompt_version, s)
    assert cache.get([key]) == {}
    be.correct([s])
    assert key in cache.get([key])  # the adapter decoded it and wrote to the fresh cache


@pytest.mark.parametrize("block", ['"suggest": "strict"', '"guard": {"min_margin": "high"}'])
def test_malformed_thresholds_are_a_one_line_error_exit_3(tmp_path, block):
    """The shipped head with a bad ``suggest``/``guard`` block: a one-line error naming
    the file, not an AttributeError or a string compared with a number later."""
    import shutil
    import subprocess
    import sys

    from mtqa.models.resources import default_tagger

    model = tmp_path / "tagger"
    shutil.copytree(default_tagger(), model)
    meta = json.loads((model / "tagger.json").read_text())
    meta.pop("suggest", None)
    meta.update(json.loads("{" + block + "}"))
    (model / "tagger.json").write_text(json.dumps(meta))
    (tmp_path / "a.txt").write_text("The company have announced new prices.\n")
    p = subprocess.run([sys.executable, "-m", "mtqa", "check", str(tmp_path / "a.txt"), "--no-languagetool", "--no-qe",
                        "--model", str(model), "--no-cache"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 3, p.stderr
    assert p.stderr.strip().count("\n") == 0 and "is not an object of numbers" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("files, expected", [
    ({"tagger.json": "{not json"}, "cannot load it"),
    ({"tagger.json": "[1, 2]"}, "not an object with a list of tags"),
    ({"tagger.json": '{"tags": ["K"], "n_in": 8}'}, "head.safetensors"),
    ({"tagger.json": '{"tags": ["K"], "n_in": 8}', "head.safetensors": "garbage"}, "head.safetensors"),
    ({"tagger.json": '{"tags": ["K"], "n_in": 8, "state_layers": [3]}'}, "reads LM layers"),
])
def test_broken_tagger_is_a_one_line_error_exit_3(tmp_path, files, expected):
    import subprocess
    import sys

    model = tmp_path / "tagger"
    model.mkdir()
    for name, text in files.items():
        (model / name).write_text(text, encoding="utf-8")
    (tmp_path / "t.txt").write_text("He is member of parliament.\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "mtqa", "check", str(tmp_path / "t.txt"), "--no-languagetool",
                        "--no-qe", "--model", str(model)], capture_output=True, text=True)
    assert p.returncode == 3, p.stderr
    assert p.stderr.strip().count("\n") == 0 and expected in p.stderr, p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
