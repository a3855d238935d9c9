# One task runner for setup, running, tests and lint. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
TORCH := torch==2.13.0
CHROMIUM ?= /usr/bin/chromium
SERVE_ARGS ?=  # e.g. make run SERVE_ARGS='--port 7861 --allow-upload'

.PHONY: run test install install-dev browser index lint format bench eval dev-eval train lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, pinned: a bare `torch` (pulled in by sentence-transformers) would be a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) $(TORCH)
	$(BIN)/pip install -q -c $(LOCK) -e ".[ui]"
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c $(LOCK) -e ".[ui,dev,llm]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

index: install
	$(BIN)/corridor index

# One process: `corridor serve` builds or refreshes the index itself (a progress line on stderr).
run: install
	$(BIN)/corridor serve $(SERVE_ARGS)

test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/core.yaml --min-accuracy 0.85
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/conversations.yaml --min-accuracy 0.85

eval: install
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/core.yaml --ablate

# The development question sets in training/ (each indexed with its documents under .data/dev/).
dev-eval: install-dev
	$(BIN)/python -m training.devsets article article3 encyclopedia encyclopedia2 squad

# Refit the answerer's confidence model (assistant/confidence.json) on the development sets.
train: install-dev
	$(BIN)/python -m training.train_confidence --refresh

# Cold start, warm latency and ingestion against their floors, then synthetic indexes of 10k and 100k chunks.
bench: install
	$(BIN)/corridor bench --scale 10000 --scale 100000

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Re-pin after changing dependencies (torch's local "+cpu" tag is dropped so the pin works anywhere).
lock: install-dev
	$(BIN)/pip freeze --exclude-editable | sed 's/+cpu//' | grep -v '^corridor' > $(LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
