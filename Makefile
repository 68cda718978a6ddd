# mtqa — set-up, demo and tests.  Every step a fresh machine needs is here: a virtual
# environment with pinned packages, the LanguageTool jars from Maven Central, the default
# model converted once, and (for the HTML report test) Debian's headless Chromium.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mtqa-installed
export MTQA_CACHE ?= $(CURDIR)/.cache/mtqa
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: setup deps languagetool models browser demo test bench clean

setup: deps languagetool models

# Byte-compiled once here, as pip does for a regular install: with PYTHONDONTWRITEBYTECODE
# set (as on these machines) an editable install would compile every module on every run,
# about 0.15 s of each `mtqa check` (BENCHMARKS.md, "Service and speed").
deps: $(STAMP)
	$(BIN)/python -m compileall -q mtqa

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# `mtqa setup` (what a pip user runs): the pinned jars from Maven Central into lt/, checksums
# verified (no Maven needed; scripts/fetch_languagetool.sh does the same with Maven) ...
languagetool: deps
	$(BIN)/mtqa setup --no-models

# ... and the default small LMs converted once (GGUF -> transformers), so later runs start fast.
models: deps
	$(BIN)/mtqa setup --no-languagetool

browser:
	bash scripts/install_browser.sh

demo: setup
	mkdir -p out
	$(BIN)/mtqa check examples/economic-forum.txt --format html -o out/economic-forum.html
	$(BIN)/mtqa check examples/economic-forum.txt --format text
	$(BIN)/mtqa fix examples/economic-forum.txt -o out/economic-forum.fixed.txt
	@echo "HTML report: out/economic-forum.html; post-edited text: out/economic-forum.fixed.txt"

test: setup browser
	$(BIN)/python -m pytest -q -rs

# The figures in BENCHMARKS.md (each also runs on its own; see the file for the commands).
bench: setup
	mkdir -p out
	$(BIN)/python benchmarks/score_blend.py
	$(BIN)/python benchmarks/batch_wmt22.py
	$(BIN)/python benchmarks/qe_bench.py --save-wmt22 out/wmt22_scores.npy
	$(BIN)/python benchmarks/wmt22_ceiling.py --scores out/wmt22_scores.npy
	$(BIN)/python benchmarks/qe_source.py extract
	$(BIN)/python benchmarks/qe_source.py fit --oof --out benchmarks/results/qe_source.md
	$(BIN)/python benchmarks/ape_mlqe.py
	$(BIN)/python benchmarks/ape_tune.py --sets ro-en/dev:200,et-en/dev:200
	$(BIN)/python benchmarks/pe_edit_types.py

clean:
	rm -rf out .pytest_cache .hypothesis
