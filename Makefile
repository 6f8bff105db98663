# homevox: two commands on a fresh machine.
#   make run    installs what the daemon needs, trains the intent model if missing or stale,
#               and starts the daemon on ./config.toml
#   make test   installs what the tests need too, trains the model if needed, runs the tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
# Pinned and installed first: an unpinned torch pulls a multi-GB CUDA build.
TORCH := torch==2.13.0
RUN_APT := espeak-ng libportaudio2 libsndfile1 mosquitto
TEST_APT := $(RUN_APT) pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox openssl
PYTEST_ARGS ?=

.PHONY: run test lint bench system-run system-test model clean

run: system-run $(VENV)/.run-installed model
	$(BIN)/homevox run --config $(CONFIG)

test: system-test $(VENV)/.test-installed model
	$(BIN)/python -m pytest $(PYTEST_ARGS)

model: $(VENV)/.run-installed
	$(BIN)/homevox train --if-stale --config $(CONFIG)

system-run:
	@scripts/system-packages.sh $(RUN_APT)

system-test:
	@scripts/system-packages.sh $(TEST_APT)

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	touch $@

$(VENV)/.run-installed: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench,openai-whisper,piper]'
	touch $@

lint: $(VENV)/.test-installed
	$(BIN)/ruff check daemon skills devices tests bench
	$(BIN)/mypy daemon skills devices

bench: $(VENV)/.test-installed model
	for script in intent heldout asr listen command_start pipeline mqtt targets speech; do \
	  $(BIN)/python bench/$${script}_bench.py || exit 1; done
	for set in near_miss_phrasings near_miss_phrasings_2; do \
	  $(BIN)/python bench/heldout_bench.py --data bench/$$set.jsonl || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
