# Thin targets over the evaljobs command. Everything installs into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8001
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench train clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Train the judge when no model is there, when its labels or its code changed (the pickle
# holds the classifier's own classes, so a model must match the code that loads it).
data/models/judge.pkl: $(STAMP) $(wildcard data/labels/*.jsonl data/labels/emscad/*.csv classifier/*.py)
	$(BIN)/evaljobs train

train: $(STAMP)
	$(BIN)/evaljobs train

demo: $(STAMP) data/models/judge.pkl
	$(BIN)/evaljobs demo --port $(PORT)

test: $(STAMP) data/models/judge.pkl
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) data/models/judge.pkl
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data/catalogue.db* data/demo data/models
