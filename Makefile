# Healthcare analytics ETL — the operator's checklist.
# Every target sets up what it needs on first use (virtualenv, PostgreSQL, DynamoDB Local).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLI := $(BIN)/healthetl
N ?= 59452
PYTEST_ARGS ?=

export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help setup system-deps up down status migrate seed changes bad-items extract transform \
	publish first-half deploy-local demo test test-unit test-sql test-spark test-integration \
	test-e2e test-terraform lint checkov format bench lambda-zips lock clean spark-class-archive \
	soak

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(STAMP) system-deps ## virtualenv + PostgreSQL + DynamoDB Local (idempotent)

system-deps: ## PostgreSQL server and Node packages the local estate needs
	bash scripts/install_system_deps.sh

lock: ## re-resolve requirements.txt into requirements.lock
	$(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q -r requirements.txt \
	  && .venv-lock/bin/pip freeze --exclude-editable > requirements.lock; rm -rf .venv-lock

up: setup ## start the local estate (AWS endpoint :4566, DynamoDB, PostgreSQL) in the background
	$(CLI) estate up

down: ## stop what `make up` started
	@test -x $(CLI) && $(CLI) estate down || true

status: $(STAMP) ## every component's endpoint, pid, health; the warehouse DSN
	$(CLI) estate status

migrate: up ## apply versioned DDL and repeatable procedures to the warehouse
	$(CLI) migrate

seed: up ## generate and load N items into the source table (N=59452)
	$(CLI) source seed --n $(N)

changes: up ## apply a deterministic round of 1 % changes to the source table
	$(CLI) source changes

bad-items: up ## write items breaking each contract rule (sidecar lists the rules)
	$(CLI) source bad-items

extract: up ## PySpark: DynamoDB -> bronze (full first time, then incremental)
	$(CLI) spark extract

transform: up ## PySpark: bronze -> silver Parquet (valid + rejected)
	$(CLI) spark transform

publish: up ## upload silver, manifests, then _batch.json; advance the watermark
	$(CLI) spark publish

first-half: up ## extract + transform + publish
	$(CLI) spark run

deploy-local: up ## deploy Lambdas, state machine, notification, dashboards, alarms onto the estate
	$(CLI) deploy-local

spark-class-archive: $(STAMP) ## the local Spark JVM's class archive (once, ≈ 1 min; ≈ 5 s off every Spark start)
	$(BIN)/python -m healthetl.spark_local.class_archive || echo "no Spark class archive: sessions start without it"

demo: setup spark-class-archive ## the main job: estate, migrate, seed, first half, event-driven load, summary + HTML report
	$(CLI) demo --n $(N)

test: setup ## every test: unit, SQL, Spark, integration, end-to-end, Terraform checks
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

SOAK_STEPS ?= 2000
soak: setup ## the model-based exactly-once test, long (SOAK_STEPS=2000; HCA_MODEL_SEED to replay one)
	HCA_MODEL_STEPS=$(SOAK_STEPS) $(BIN)/pytest -p no:cacheprovider tests/e2e/test_model_exactly_once.py

test-unit: $(STAMP)
	$(BIN)/pytest -m unit $(PYTEST_ARGS)
test-sql: setup
	$(BIN)/pytest -m sql $(PYTEST_ARGS)
test-spark: setup
	$(BIN)/pytest -m spark $(PYTEST_ARGS)
test-integration: setup
	$(BIN)/pytest -m integration $(PYTEST_ARGS)
test-e2e: setup
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)
test-terraform: setup
	$(BIN)/pytest -m terraform $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, sqlfluff (redshift dialect), our Redshift-rules check, terraform checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint redshift/ddl redshift/procedures -p 2
	$(CLI) sql-lint redshift
	$(BIN)/pytest -q -p no:cacheprovider -m terraform -k "not checkov" tests/terraform
	$(MAKE) --no-print-directory checkov

checkov: ## checkov on terraform/ from its own venv (.venv-checkov, installed on first use)
	bash scripts/checkov.sh --compact --quiet

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix redshift/ddl redshift/procedures -p 2

bench: setup spark-class-archive ## per-stage times, throughput, peak memory at 59,452 and 600,000 (BENCH_N=...)
	$(CLI) bench $(if $(BENCH_N),--n $(BENCH_N),)

lambda-zips: $(STAMP) ## build the Lambda zips for AWS (vendored dependencies) into build/
	$(CLI) build-lambda-zips

clean: down ## stop the estate and delete its state, build outputs and caches
	rm -rf .runtime build reports bench-results .pytest_cache .ruff_cache spark-warehouse
