# gatling-fleet: `make demo` runs the main job, `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_TOOLS := tools/node
REPORT_ASSETS := tools/report-assets
ECHARTS_VENDOR := agents/reporter/gatling_reporter/html/vendor
REGISTRY ?= gatling-fleet
TAG ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
AGENTS := waiter transferer reporter controller
DOCKERFILES := $(wildcard Dockerfile.*)

.PHONY: help setup setup-python setup-node setup-report-assets setup-browser lint test unit demo bench images push deploy undeploy clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

setup: setup-python setup-node setup-browser ## Install everything the tests need (idempotent)

setup-python: $(VENV)/.installed ## The virtualenv with every agent and the dev tools

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	@touch $@

setup-node: $(NODE_TOOLS)/node_modules/.installed setup-report-assets ## Azurite and the report's ECharts (npm, pinned)

setup-report-assets: $(ECHARTS_VENDOR)/echarts.min.js ## The report's chart library (ECharts, npm, pinned)

$(REPORT_ASSETS)/node_modules/.installed: $(REPORT_ASSETS)/package.json $(REPORT_ASSETS)/package-lock.json
	cd $(REPORT_ASSETS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Copied into the reporter package (gitignored; wheels include it as a hatch artifact).
$(ECHARTS_VENDOR)/echarts.min.js: $(REPORT_ASSETS)/node_modules/.installed
	mkdir -p $(ECHARTS_VENDOR)
	cp $(REPORT_ASSETS)/node_modules/echarts/dist/echarts.min.js $@
	cat $(REPORT_ASSETS)/node_modules/echarts/LICENSE $(REPORT_ASSETS)/node_modules/echarts/NOTICE > $(ECHARTS_VENDOR)/echarts.LICENSE.txt

$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	cd $(NODE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup-browser: ## Debian's Chromium for the report tests (apt, as root)
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: setup-python ## ruff, mypy, import-linter, hadolint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint --failure-threshold error $(DOCKERFILES)

unit: setup ## The whole pytest suite (no lint)
	$(BIN)/pytest $(PYTEST_ARGS)

test: setup lint unit ## Install everything, lint, run the whole suite

demo: setup-python setup-report-assets ## Run the main job on a local-folder bucket
	$(BIN)/python -m tools.demo

bench: setup ## Run every benchmark (slow; prints ratios against in-run baselines)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

images: ## Build the images (needs Docker): REGISTRY=... TAG=...
	for a in $(AGENTS); do docker build -f Dockerfile.$$a -t $(REGISTRY)/gatling-$$a:$(TAG) . || exit 1; done

push: images ## Push the images (needs Docker and a registry login)
	for a in $(AGENTS); do docker push $(REGISTRY)/gatling-$$a:$(TAG) || exit 1; done

deploy: ## Install the CRD, RBAC and the controller into the current kubectl context
	kubectl apply -k config

undeploy: ## Remove the controller, its RBAC and the CRD (and with it every Gatling resource)
	kubectl delete -k config --ignore-not-found

clean: ## Remove the virtualenv, node tools and caches
	rm -rf $(VENV) $(NODE_TOOLS)/node_modules $(REPORT_ASSETS)/node_modules $(ECHARTS_VENDOR) .mypy_cache .ruff_cache .pytest_cache demo-out test-artifacts
