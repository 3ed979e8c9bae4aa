# The two commands a new user needs are `make run` and `make test`; the rest serve developers.
# `make run` installs the service's dependencies only; every other target adds the dev extra.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist): `make test TEST_PROCESSES=0` runs in this process alone. Three on
# two cores: a test spends much of its time waiting on PostgreSQL, a served process or Chromium.
TEST_PROCESSES ?= 3

.PHONY: run test bytecode lint fmt bench bench-scale fuzz reliability screenshots clean

# uv installs what pip would (the same versions), in seconds rather than half a minute; compiled,
# as pip leaves them, so that no process compiles the libraries again where bytecode is not written.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP) $(RUNTIME)

# Without LEDGER_DATABASE_URL the service starts its own PostgreSQL server under var/pg.
run: $(RUNTIME)
	$(BIN)/ledger serve

# Bytecode first: a machine with PYTHONDONTWRITEBYTECODE set would compile every module again in
# each of the ~100 processes the suite starts (CLI commands, served apps).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q ledger projections privacy api tests >/dev/null

# Without LEDGER_TEST_DATABASE_URL the tests start their own PostgreSQL server under var/test.
test: bytecode
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder

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

# A 10 M-event ledger from the bulk generator: verify, rebuild, list p99, inclusion proof p99,
# disk per event (about an hour; docs/scaling.md). BENCH_SCALE_RUN=full does it at 1 M.
BENCH_SCALE_RUN ?= 10m
bench-scale: $(STAMP)
	$(BIN)/python -m tests.bench --scale $(BENCH_SCALE_RUN) --only rows.large \
		--json var/bench/scale-$(BENCH_SCALE_RUN).json

# Load, database-fault and process-fault scenarios at full length; table in docs/reliability.md.
reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

# The schemathesis fuzz of tests/api/test_fuzz.py with a long budget (the suite runs a short one).
FUZZ_EXAMPLES ?= 25
FUZZ_STEPS ?= 10
fuzz: $(STAMP)
	LEDGER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) LEDGER_FUZZ_STEPS=$(FUZZ_STEPS) \
		$(BIN)/python -m pytest -q tests/api/test_fuzz.py

# A PNG of each main console page in English and Chinese under var/screenshots/ (Chromium,
# chromium-driver and fonts-noto-cjk from Debian).
screenshots: $(STAMP)
	$(BIN)/python -m tests.console.screenshots

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
