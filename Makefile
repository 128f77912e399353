# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The deployment tools live apart: the SAM CLI pins older boto3 and pydantic than the function runs.
DEPLOY_VENV := .venv-deploy
DEPLOY_BIN := $(DEPLOY_VENV)/bin
DEPLOY_TOOLS := $(DEPLOY_VENV)/.installed
ARTICLES ?= 1000
# What `make check` runs: the tests of plain code, without servers, browsers or site builds.
UNIT_TESTS := tests/test_texts.py tests/test_imports.py tests/test_signing.py tests/test_content.py \
	tests/test_authoring.py tests/test_outbox.py tests/test_stores.py tests/test_instances.py tests/test_mail_text.py

.PHONY: install deploy-tools run build lint static check test bench bench-tickets deploy clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

install: $(INSTALLED)

$(DEPLOY_TOOLS): constraints-deploy.txt
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_BIN)/pip install --quiet -c constraints-deploy.txt aws-sam-cli cfn-lint
	touch $@

deploy-tools: $(DEPLOY_TOOLS)

## run: build the site and serve it at http://127.0.0.1:8000 (rebuilds on edits)
run: install
	$(BIN)/kbdesk serve --data-dir ./var

## build: build the static site into ./site (strict)
build: install
	$(BIN)/kbdesk build

## lint: check every article
lint: install
	$(BIN)/kbdesk lint

## static: the code's lint, format and strict types (ruff and mypy, configured in pyproject.toml)
static: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## check: the fast part, while working: static, then the unit tests (under a minute)
check: static
	$(BIN)/python -m pytest -q -m "not browser" $(UNIT_TESTS)

## test: static, then the whole suite (unit, contract, build, browser, and the template offline)
test: static deploy-tools
	$(BIN)/python -m pytest

## bench: the site build and search benchmark (ARTICLES=5000 for the target size)
bench: install
	$(BIN)/python bench/site_build.py --articles $(ARTICLES)

## bench-tickets: the local server under load, the Lambda's cold start against its baseline, lookups, and received mail
bench-tickets: install
	$(BIN)/python bench/tickets_load.py --clients 8 --seconds 20
	$(BIN)/python bench/cold_start.py --runs 7
	$(BIN)/python bench/ticket_lookups.py --tickets 100000 --organizations 200
	$(BIN)/python bench/ticket_reads_dynamodb.py
	$(BIN)/python bench/inbound_mail.py --messages 500

## deploy: build the site and the function, deploy the stack (guided the first time), publish the site
deploy: install deploy-tools
	SAM="$(DEPLOY_BIN)/sam" PYTHON="$(BIN)/python" KBDESK="$(BIN)/kbdesk" ./deploy/deploy.sh

clean:
	rm -rf site var bench/out .pytest_cache .aws-sam functions/tickets/products.json
