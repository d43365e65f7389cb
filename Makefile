# cnn-doctor: `make run` sets everything up and runs the pipeline on the bundled digits;
# `make test` sets everything up, lints and runs the default tests (minutes); `make test-slow` runs the end-to-end
# ones marked `slow` (what .ci/run calls after `make test`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PREFECT_PORT ?= 4200

.PHONY: setup run test test-slow test-all lint format system-deps server serve clean

setup: $(STAMP) data/digits/9

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@echo "Creating Prefect's database (once per install: 15-20 s on 2 cores, then every run starts faster)"
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/prefect server database upgrade -y >/dev/null
	touch $(STAMP)

data/digits/9: | $(STAMP)
	$(BIN)/cnn-doctor digits data/digits

run: setup
	$(BIN)/cnn-doctor run

test: setup lint
	$(BIN)/pytest

# ruff: formatting, lint and import order (pyproject.toml [tool.ruff]); `make format` rewrites the files
lint: setup
	$(BIN)/ruff format --check --quiet .
	$(BIN)/ruff check --quiet .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# the tests marked `slow`: end-to-end runs of the real pipeline, servers, the UI (pyproject.toml deselects them
# by default)
test-slow: setup
	$(BIN)/pytest -m slow

test-all: setup lint
	$(BIN)/pytest -m "slow or not slow"

# Debian's Chromium and PostgreSQL, for the tests of the Prefect UI and of a server on PostgreSQL, and
# Fashion-MNIST (dataset-fashion-mnist: the second real dataset; `cnn-doctor fashion-mnist` writes it out).
# Installed only when missing; needs root, as on CI.
system-deps:
	@command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	  && [ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql dataset-fashion-mnist >/dev/null; }

# A local Prefect server with its UI at http://127.0.0.1:$(PREFECT_PORT), SQLite under ~/.prefect.
server: setup
	PREFECT_UI_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT)

# The deployments 'scheduled' and 'ad-hoc', served against that server (run `make server` first).
serve: setup
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/cnn-doctor serve

clean:
	rm -rf outputs .pytest_cache
