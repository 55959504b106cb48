# Two commands are the whole set-up on a fresh machine: `make demo` and `make test`.
# Each target installs what it needs, idempotently (.venv from requirements, node_modules from package-lock).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: demo test lint fuzz soak bench clean setup check-config deploy what-if

setup: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The suite mostly waits (emulators, Azurite, the host's queue polling), so it runs in TEST_WORKERS pytest-xdist
# workers, more than the 2 cores; each worker has its own Azurite on free ports. A test module runs whole on one
# worker, in file order (--dist loadfile), so module-scoped stacks start once; tests/conftest.py puts the
# longest modules first (--no-loadscope-reorder keeps that order). TEST_WORKERS=0 runs in one process.
# Bytecode caches are written even where PYTHONDONTWRITEBYTECODE is set: without them every worker and every
# `python -m core` a test starts compiles the project (and pytest rewrites every test module) again.
TEST_WORKERS ?= 4
test: setup
	$(PY) -m ruff check .
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Longer than CI allows: every delivery order of create/paid/update/cancel, four times over, with BC faults
# and host kills; BC must end at each shop order's final state (BRIDGE_SOAK_ORDERS, _KILLS, _TIMEOUT tune it)
soak: setup
	$(PY) -m tests.ordering.soak

lint: setup
	$(PY) -m ruff check .

# The hostile-input properties (tests/hostile) with a long budget: FUZZ_EXAMPLES per property (`make test` runs
# the same properties with a CI-sized budget).
FUZZ_EXAMPLES ?= 20000
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz HYPOTHESIS_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/hostile/test_properties.py

demo: setup
	$(PY) -m sandbox.demo

check-config: setup
	$(PY) -m core check-config

bench: setup
	$(PY) -m bench

# Azure deployment (needs the az CLI, logged in): see docs/deployment.md. RG=<resource group>
what-if:
	bash scripts/deploy.sh what-if $(if $(RG),-g $(RG))

deploy:
	bash scripts/deploy.sh deploy $(if $(RG),-g $(RG))

clean:
	rm -rf $(VENV) node_modules .sandbox .pytest_cache .ruff_cache
