# localcloud: `make up` runs the whole stack locally, `make test` proves it. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LOCALCLOUD_PORT ?= 4566
export LOCALCLOUD_STATE_DIR ?= $(CURDIR)/.localcloud

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/localcloud: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/localcloud ## Create .venv and install localcloud with its dev tools

.PHONY: help install
