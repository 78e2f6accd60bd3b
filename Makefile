# localcloud: `make up` runs the whole stack locally, `make test` proves it. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
LOCALCLOUD := $(BIN)/localcloud
export LOCALCLOUD_PORT ?= 4566
export LOCALCLOUD_STATE_DIR ?= $(CURDIR)/.localcloud
# localcloud (default), or another target for the same Terraform: localstack, ministack, docker, endpoint.
BACKEND ?= localcloud
# How every SDK, Terraform and the Lambdas find the endpoint. With BACKEND=endpoint it is yours to give;
# otherwise a value in the shell (another emulator, a profile's endpoint) must not redirect a local run.
ifeq ($(BACKEND),endpoint)
export AWS_ENDPOINT_URL ?= http://127.0.0.1:$(LOCALCLOUD_PORT)
else
export AWS_ENDPOINT_URL := http://127.0.0.1:$(LOCALCLOUD_PORT)
endif
# The CMS fixture API's port follows the endpoint's (4566 -> 8901), so two checkouts on two ports share
# nothing; the stack is told where it is with -var (envs/local.tfvars holds the default port's URL).
export CMS_FIXTURE_PORT ?= $(shell echo $$(( $(LOCALCLOUD_PORT) + 4335 )))
LOCAL_VARS := --var cms_api_url=http://127.0.0.1:$(CMS_FIXTURE_PORT)
# Where the hashicorp/aws provider lives offline (a Terraform filesystem mirror). Empty: one found on this
# machine is used, else the registry; "registry" forces the registry.
export LOCALCLOUD_TF_PLUGIN_MIRROR ?=
TF_DIR := infra/tflocal
TF_VARS := $(TF_DIR)/envs/local.tfvars
STACK := pipelines
PYTEST_ARGS ?=
# make parity: the services to measure (default: all five the harness covers).
SERVICES ?=
# Test modules run in parallel groups (see tests/conftest.py); 1 runs them one after another.
TEST_WORKERS ?= 4
# REFRESH=1: apply even when nothing changed since the last successful apply (which is otherwise skipped).
REFRESH ?=
# make bench BENCH="core lambda": only those bench/bench_<name>.py (all when empty).
BENCH ?=

.DEFAULT_GOAL := help
.PHONY: help install lock preflight build up down status outputs seed fixtures test bench parity clean deploy-aws destroy-aws deploy-rehearsal dev

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

# Every package in the tree at the version `make lock` resolved and `make test` passed with (pip's -c:
# pins what is installed, installs nothing on its own, so a package one platform does not need is harmless).
CONSTRAINTS := constraints.txt
LOCK_VENV := .lock-venv

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing localcloud and its tools into $(VENV) (versions from $(CONSTRAINTS))"
	@# (sed drops pip's warnings about unusable find-links folders in this machine's pip config; pipefail keeps
	@# pip's exit status)
	@$(BIN)/pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e '.[dev]' 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
	@touch $@

# The Lambda runtimes, prepared again when what they hold changes (not only when pyproject.toml does).
$(VENV)/.runtimes: $(VENV)/.installed services/localcloud/runtime/prepare.py services/localcloud/runtime/node/__init__.py
	@echo "==> preparing the Lambda runtimes (awslambdaric + boto3 per Python version; the SDK for JavaScript for Node.js)"
	@$(BIN)/python -m localcloud.runtime.prepare
	@touch $@

install: $(VENV)/.installed $(VENV)/.runtimes ## Create .venv and install localcloud with its dev tools, at the versions in constraints.txt

lock: ## Re-resolve every dependency to the newest pyproject.toml allows, into constraints.txt (then: make install test)
	@rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	@echo "==> resolving pyproject.toml afresh in $(LOCK_VENV)"
	@$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
	@{ echo "# Every package localcloud installs, pinned: \`make install\` uses it (pip install -c). Refresh with"; \
	   echo "# \`make lock\` (resolves pyproject.toml afresh), then \`make install test\`; commit it with the result."; \
	   $(LOCK_VENV)/bin/pip freeze --exclude-editable --disable-pip-version-check; } > $(CONSTRAINTS)
	@rm -rf $(LOCK_VENV)
	@echo "==> $(CONSTRAINTS): $$(grep -vc '^#' $(CONSTRAINTS)) packages; git diff $(CONSTRAINTS) shows what moved"

preflight: install ## Check Terraform, its provider, the port, database engines (installing MariaDB where it can), disk
ifeq ($(BACKEND),localcloud)
	@$(LOCALCLOUD) preflight --tf-dir $(TF_DIR)
endif

build: install ## Build the Lambda zips and layers into build/ (deterministic)
	@$(LOCALCLOUD) build --source lambdas --out build

up: preflight build ## Start the local cloud (or BACKEND=localstack|ministack|docker|endpoint), apply infra/tflocal, seed
ifeq ($(BACKEND),localcloud)
	@$(LOCALCLOUD) start --detach
else
	@$(LOCALCLOUD) backend up $(BACKEND)
endif
	@$(MAKE) --no-print-directory fixtures
	@$(LOCALCLOUD) terraform apply $(TF_DIR) --var-file $(TF_VARS) $(LOCAL_VARS) --stack $(STACK) $(if $(filter 1,$(REFRESH)),--full)
	@$(MAKE) --no-print-directory seed
	@echo "==> endpoint: $(AWS_ENDPOINT_URL)"
	@echo "==> console:  $(AWS_ENDPOINT_URL)/_localcloud/console/  (localcloud console opens it)"
	@$(LOCALCLOUD) terraform outputs $(TF_DIR) --var-file $(TF_VARS) $(LOCAL_VARS) --stack $(STACK)

dev: build ## Hot reload: on each save under lambdas/, update the running functions; stream their logs
	@$(LOCALCLOUD) dev --source lambdas --out build --tf-dir $(TF_DIR) --stack $(STACK)

fixtures: install ## Start the demo fixture servers (fixtures/*/serve.py --detach), e.g. the CMS API
	@for server in $(sort $(wildcard fixtures/*/serve.py)); do \
	  $(BIN)/python $$server --detach --state-dir $(LOCALCLOUD_STATE_DIR); done

seed: install ## Load the demo data into the running stack (fixtures/*/seed.py, idempotent)
	@$(LOCALCLOUD) terraform outputs $(TF_DIR) --var-file $(TF_VARS) $(LOCAL_VARS) --stack $(STACK) > $(LOCALCLOUD_STATE_DIR)/outputs.json
	@for seeder in $(sort $(wildcard fixtures/*/seed.py)); do \
	  echo "==> seeding $$seeder"; \
	  $(BIN)/python $$seeder --outputs $(LOCALCLOUD_STATE_DIR)/outputs.json; done

down: ## Stop the local cloud, its database servers and the fixture servers (state is kept; `make clean` removes it)
	@if [ -x $(LOCALCLOUD) ]; then $(LOCALCLOUD) stop; else echo "localcloud is not installed; nothing runs."; fi
	@if [ -x $(BIN)/python ]; then for server in $(sort $(wildcard fixtures/*/serve.py)); do \
	  $(BIN)/python $$server --stop --state-dir $(LOCALCLOUD_STATE_DIR); done; fi

status: install ## Say whether the local cloud runs, and what it serves
	@$(LOCALCLOUD) status

outputs: install ## Print the stack's Terraform outputs as JSON (AWS-only URLs rewritten to local ones)
	@$(LOCALCLOUD) terraform outputs $(TF_DIR) --var-file $(TF_VARS) $(LOCAL_VARS) --stack $(STACK)

test: build ## Run every test: unit, service, conformance and integration
	@$(LOCALCLOUD) preflight --tf-dir $(TF_DIR) --skip-port
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: build ## Run the benchmarks (BENCH=core: only bench_core.py); results in bench/results/*.json and tables
	@$(BIN)/python bench/run_all.py $(BENCH)

parity: install ## AWS parity: LocalStack's AWS-recorded tests against a fresh local cloud (SERVICES=...); bench/results/parity.json
	@$(BIN)/python bench/parity.py $(SERVICES)

deploy-aws: build ## Apply the same Terraform and artifacts to AWS (preflight, plan, confirm; AUTO_APPROVE=1)
	@env -u AWS_ENDPOINT_URL $(LOCALCLOUD) deploy-aws

deploy-rehearsal: build ## Rehearse deploy-aws end to end (apply, smoke, destroy) against a plain moto server
	@env -u AWS_ENDPOINT_URL $(LOCALCLOUD) deploy-rehearsal

destroy-aws: install ## Destroy the AWS deployment (same guards and confirmation)
	@env -u AWS_ENDPOINT_URL $(LOCALCLOUD) destroy-aws

clean: down ## Stop and remove state, build output and Terraform caches
	rm -rf $(LOCALCLOUD_STATE_DIR) build $(TF_DIR)/.terraform $(TF_DIR)/localcloud_override.tf
