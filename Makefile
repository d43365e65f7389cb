# cnn-doctor: `make run` sets everything up and runs the pipeline on the bundled digits;
# `make test` sets everything up and runs the tests (what .ci/run calls).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast clean

setup: $(STAMP) data/digits/9

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

data/digits/9: | $(STAMP)
	$(BIN)/cnn-doctor digits data/digits

run: setup
	$(BIN)/cnn-doctor run

test: setup
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

clean:
	rm -rf outputs .pytest_cache
