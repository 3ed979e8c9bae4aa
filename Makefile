# The two commands a new user needs are `make run` and `make test`; the rest serve developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt bench fuzz reliability clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ledger serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# BENCH_SCALE=small for a run under 3 minutes; the default is the fuller run (docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python -m tests.bench

# Load, database-fault and process-fault scenarios at full length; table in docs/reliability.md.
reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

# The schemathesis fuzz of tests/api/test_fuzz.py with a long budget (the suite runs a short one).
FUZZ_EXAMPLES ?= 300
FUZZ_STEPS ?= 40
fuzz: $(STAMP)
	LEDGER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) LEDGER_FUZZ_STEPS=$(FUZZ_STEPS) \
		$(BIN)/python -m pytest -q tests/api/test_fuzz.py

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
