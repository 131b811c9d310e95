# linesift — every set-up step a user or CI needs. `make demo` and `make test` create what
# they need (virtual environment, Label Studio, Chromium) themselves.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
STAMP := $(VENV)/.installed

.PHONY: help venv demo test test-fast default-model bench chromium clean

help:  ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

$(STAMP): pyproject.toml setup.py linesift/_ckernels.pyx
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)  ## Create .venv with linesift and its test dependencies

demo: $(STAMP)  ## Clean the example French page with the shipped default model
	$(BIN)/linesift filter examples/doingbuzz-fr.txt
	@echo "--- per-line scores (first 12 lines):" >&2
	$(BIN)/linesift explain examples/doingbuzz-fr.txt --top 2 | head -n 13

# Chromium, and fonts for every script a page may be in: without them Chinese, Arabic, Thai
# or Devanagari lines show as empty boxes in the labelling screen.
BROWSER_PACKAGES := chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji

chromium:  ## Install Debian's Chromium and the Noto fonts (CJK, Arabic, Hebrew, Thai, Devanagari...) for the browser (needs root)
	@missing="$$(for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	test -z "$$missing" || { apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; }

test: $(STAMP) chromium labelstudio  ## Run every test, with a real local Label Studio
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)  ## Unit tests only (no Label Studio, no browser)
	LINESIFT_SKIP_LABELSTUDIO=1 $(BIN)/python -m pytest -q -m "not labelstudio and not browser"

# The recipe is linesift.recipe.DEFAULT_RECIPE, which `linesift train` uses without options.
# Two folds choose the threshold and the calibration as well as five on 5,300 pages of some
# 800 sites, for 2.5 times less training.
default-model: $(STAMP)  ## Retrain models/default on ../shared/data (about 20 minutes on 2 cores)
	$(BIN)/linesift train $(SHARED)/data/*.jsonl.gz -o models/default --name default --folds 2 --jobs 2

bench: $(STAMP)  ## Quality (site-grouped CV, about 20 minutes) and throughput benchmarks (print tables)
	$(BIN)/python bench/quality.py run --variants recipe --folds 2 --jobs 2
	$(BIN)/python bench/quality.py report --variants recipe --folds 2
	$(BIN)/python bench/throughput.py

clean:  ## Remove the virtual environments and Label Studio data
	rm -rf $(VENV) .venv-labelstudio .labelstudio

-include mk/labelstudio.mk
