"""Project config: discovery, validation, per-path overrides, rendering, glossary."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mtqa.run.config import Config, load_config, parse_config, render_config
from mtqa.errors import InputError
from mtqa.checks.glossary import GlossaryEntry, check_glossary
from mtqa.segment import segment_text


def _w(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discovery_walks_up_and_mtqa_toml_wins(tmp_path):
    (tmp_path / ".git").mkdir()
    _w(tmp_path / "pyproject.toml", '[tool.mtqa]\nselect = ["ART"]\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cfg = load_config(deep)
    assert cfg.select == ("ART",) and cfg.source == str(tmp_path / "pyproject.toml")
    # Nearer files win; in one directory mtqa.toml beats pyproject.toml.
    _w(tmp_path / "a" / "pyproject.toml", '[tool.mtqa]\nselect = ["NUM"]\n')
    _w(tmp_path / "a" / "mtqa.toml", 'select = ["PAS"]\n')
    assert load_config(deep).select == ("PAS",)
    # A pyproject.toml without [tool.mtqa] is passed over.
    _w(deep / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(deep).select == ("PAS",)


def test_discovery_stops_at_git_root(tmp_path):
    _w(tmp_path / "mtqa.toml", 'select = ["ART"]\n')  # outside the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    cfg = load_config(repo)
    assert cfg == Config() and cfg.source is None and cfg.root == str(repo.resolve())


def test_explicit_config(tmp_path):
    _w(tmp_path / "mtqa.toml", 'select = ["ART"]\n')
    other = _w(tmp_path / "ci" / "strict.toml", 'fail-on = "minor"\nfail-under = 90\n')
    cfg = load_config(tmp_path, explicit="ci/strict.toml")
    assert (cfg.fail_on, cfg.fail_under, cfg.select) == ("minor", 90.0, ())
    with pytest.raises(InputError, match="no such config file"):
        load_config(tmp_path, explicit="nope.toml")
    bare = _w(tmp_path / "x" / "pyproject.toml", "[project]\n")
    with pytest.raises(InputError, match=r"no \[tool.mtqa\] table"):
        load_config(tmp_path, explicit=str(bare))
    assert other.exists()


@pytest.mark.parametrize("body, needle", [
    ('selekt = ["ART"]', "selekt: unknown key (did you mean 'select'?)"),
    ('select = "ART"', "select: expected a list of strings, got a string"),
    ('fail-under = "90"', "fail-under: expected a number from 0 to 100"),
    ('fail-on = "warning"', "fail-on: expected one of minor, major, critical, none"),
    ('severity = { ART001 = "low" }', "severity.ART001: expected one of minor, major, critical"),
    ('languagetool = { url = "http://x", picky = "yes" }', "languagetool.picky: expected true or false"),
    ('languagetool = { uri = "http://x" }', "languagetool.uri: unknown key (did you mean 'url'?)"),
    ('glossary = [{ term = "A", variant = ["B"] }]', "glossary[0].variant: unknown key"),
    ('[[tool.mtqa.overrides]]\nselect = ["A"]', "overrides[0].paths: missing"),
    ('[[tool.mtqa.overrides]]\npaths = ["x/**"]\nfail_on = "major"', "overrides[0].fail_on: unknown key (did you mean 'fail-on'?)"),
    ('select = [', "invalid TOML"),
])
def test_bad_config_is_one_line_naming_key_and_file(tmp_path, body, needle):
    f = _w(tmp_path / "pyproject.toml", "[tool.mtqa]\n" + body + "\n")
    with pytest.raises(InputError) as exc:
        load_config(tmp_path)
    msg = str(exc.value)
    assert msg.startswith(str(f) + ": ") and needle in msg and "\n" not in msg
    if "TOML" not in needle:
        assert "tool.mtqa." in msg


TOML = """
select = ["ART", "NUM", "PAS"]
ignore = ["NUM003"]
severity = { ART001 = "minor", "LT:EN_A_VS_AN" = "critical" }
fail-under = 80
fail-on = "major"
exclude = ["drafts/**"]
glossary = [{ term = "Sergei Lavrov", variants = ["Sergey Lavrov", "S. Lavrov"] }]
languagetool = { url = "http://localhost:8081", disabled-rules = ["WHITESPACE_RULE"], picky = true }
model = { name = "smollm2", enabled = true }

[[overrides]]
paths = ["news/**"]
ignore = ["PAS"]
severity = { NUM = "major" }
languagetool = { enabled = false }

[[overrides]]
paths = ["news/sport/*.md"]
fail-under = 60
"""


def test_overrides_by_path(tmp_path):
    _w(tmp_path / "mtqa.toml", TOML)
    cfg = load_config(tmp_path)
    assert cfg.severity_for("ART001") == "minor" and cfg.severity_for("NUM001") is None
    news = cfg.for_path(str(tmp_path / "news" / "world" / "a.txt"))
    assert news.ignore == ("PAS",) and news.select == cfg.select
    assert news.severity_for("NUM001") == "major" and news.severity_for("ART001") == "minor"
    assert news.languagetool.enabled is False and news.languagetool.url == "http://localhost:8081"
    assert news.fail_under == 80.0
    sport = cfg.for_path(str(tmp_path / "news" / "sport" / "b.md"))
    assert sport.fail_under == 60.0 and sport.ignore == ("PAS",)
    other = cfg.for_path(str(tmp_path / "blog" / "c.md"))
    assert other == cfg.for_path(str(tmp_path / "d.txt")) and other.ignore == ("NUM003",)
    # A path outside the config's directory is matched as given (e.g. --config ci/x.toml).
    assert cfg.for_path("news/x.txt").ignore == ("PAS",)  # the cwd is not tmp_path
    assert cfg.for_path("/elsewhere/news/x.txt").ignore == ("NUM003",)
    assert news.signature() != other.signature() != cfg.signature()


def test_render_config_loads_back_and_signature_is_stable(tmp_path):
    f = _w(tmp_path / "mtqa.toml", TOML)
    cfg = load_config(tmp_path)
    text = render_config(cfg)
    again = parse_config(tomllib.loads(text), str(f))
    assert again == cfg and again.signature() == cfg.signature()
    assert "# mtqa configuration, from" in text and cfg.signature() in text
    _w(tmp_path / "mtqa.toml", TOML.replace("fail-under = 80", "fail-under = 81"))
    assert load_config(tmp_path).signature() != cfg.signature()
    # Key order in the file does not change the signature.
    _w(tmp_path / "mtqa.toml", TOML.replace('select = ["ART", "NUM", "PAS"]\n', "") .replace(
        'model = {', 'select = ["ART", "NUM", "PAS"]\nmodel = {'))
    assert load_config(tmp_path).signature() == cfg.signature()
    assert render_config(Config()).count("not set") == 3  # style, fail-under, fail-on


def test_glossary_file_toml_and_tsv(tmp_path):
    _w(tmp_path / "terms.toml", '[[glossary]]\nterm = "Sergei Lavrov"\nvariants = ["Sergey Lavrov"]\n')
    _w(tmp_path / "mtqa.toml", 'glossary = "terms.toml"\n')
    assert load_config(tmp_path).glossary == (GlossaryEntry("Sergei Lavrov", ("Sergey Lavrov",)),)
    _w(tmp_path / "terms.tsv", "# names\nDmitry Peskov\tDmitri Peskov\tD. Peskov\n")
    _w(tmp_path / "mtqa.toml", 'glossary = "terms.tsv"\n')
    assert load_config(tmp_path).glossary == (GlossaryEntry("Dmitry Peskov", ("Dmitri Peskov", "D. Peskov")),)
    _w(tmp_path / "mtqa.toml", 'glossary = "missing.tsv"\n')
    with pytest.raises(InputError, match="glossary: cannot read glossary file"):
        load_config(tmp_path)


def test_check_glossary():
    gl = (GlossaryEntry("Sergei Lavrov", ("Sergey Lavrov", "S. Lavrov", "Lavrov")),
          GlossaryEntry("Kyiv", ("Kiev",)))
    text = ("MIL OSI Sergey Lavrov\n\nSergey Lavrov met S. Lavrov's aide. Sergei Lavrov said Lavrov agreed. "
            "Kievan Rus and KIEV and Kiev.")
    fs = check_glossary(text, segment_text(text), gl)
    got = [(text[f.start:f.end], f.replacements[0]) for f in fs]
    # Boilerplate is skipped, the longest variant wins, the term itself is not flagged,
    # and matching is case-sensitive on word boundaries.
    assert got == [("Sergey Lavrov", "Sergei Lavrov"), ("S. Lavrov", "Sergei Lavrov"),
                   ("Lavrov", "Sergei Lavrov"), ("Kiev", "Kyiv")]
    assert all(f.rule_id == "GLO001" and f.category.value == "calque" and not f.safe for f in fs)
    assert check_glossary(text, segment_text(text), ()) == []
