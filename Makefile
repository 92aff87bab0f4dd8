# scs-claims: `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLI    := $(BIN)/scs-claims
MODEL  := models/claims.joblib
SAMPLE := corpus/sample/articles.jsonl
CORPUS := corpus/claims.csv corpus/nonclaims.csv corpus/articles.jsonl corpus/facts.jsonl corpus/patterns.json models/params.json

.DEFAULT_GOAL := help
.PHONY: help install train evaluate score bench corpus-report test lint clean

## List the targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$0,t,":"); printf "  make %-14s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "scs-claims needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

## Create .venv and install the pinned dependencies (spaCy model included)
install: $(STAMP)

$(MODEL): $(STAMP) $(CORPUS) $(wildcard pipeline/*.py)
	$(CLI) train

## Train the classifier on the training split (writes models/claims.joblib + manifest)
train: $(MODEL)

## Score the held-out split: per-class P/R/F1, macro-F1, confusion, ablations, errors file
evaluate: $(MODEL)
	$(CLI) evaluate

## Score the bundled sample dump into out/claims.jsonl and out/summary.csv
score: $(MODEL)
	$(CLI) score $(SAMPLE) -o out/claims.jsonl --summary out/summary.csv

## Benchmark scoring (1k/10k/100k-article dumps, 2% relevant, and 500 all relevant) against a naive spaCy run
bench: $(MODEL)
	$(BIN)/python -m pipeline.bench

## Validate the corpus and print its counts, near-duplicate rate and variety
corpus-report: $(STAMP)
	$(CLI) corpus-report --json reports/corpus.json

## Run the test suite
test: $(MODEL)
	$(BIN)/python -m pytest -q

## Lint with ruff
lint: $(STAMP)
	$(BIN)/ruff check pipeline tests

## Remove the virtual environment, model and outputs
clean:
	rm -rf $(VENV) out reports $(MODEL) models/claims.manifest.json

.PHONY: retrain
## Retrain on claims.csv plus corpus/reviewed.csv into out/retrain; held-out scores before and after
retrain: $(MODEL)
	$(CLI) review retrain
