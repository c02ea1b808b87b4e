# The README's two commands: `make run` and `make test`. Everything else is a helper.
# The first interpreter that really runs and is 3.11+ (a pyenv shim may exist and still fail).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install bench bench-http bench-cpu bench-policies bench-scale-out bench-backup bench-lifecycle coverage-seeds clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Groundwork needs Python 3.11 or newer on PATH"; exit 1; }
	@echo "Creating the virtualenv in $(VENV)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing Groundwork's dependencies (first run, ~30 s)..."
	@$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)
	@echo "Dependencies installed."

install: $(STAMP)

run: $(STAMP)
	$(BIN)/groundwork serve

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .

# Line and branch coverage with floors: 80 % overall, 90 % for domain/ and application/.
test: lint
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=80
	@printf 'domain + application coverage: '
	@$(BIN)/python -m coverage report --include='domain/*,application/*' --format=total --fail-under=90

# Every acceptance criterion of the seeds with the scenarios that prove it, and those with none.
coverage-seeds: $(STAMP)
	$(BIN)/python -m features.seed_report

bench: $(STAMP)
	$(BIN)/python bench/tenancy.py

# Ours vs a bare and a lean hand-written route, sign-ins vs raw argon2, 10 vs 10,000 orgs (~4 min).
bench-http: $(STAMP)
	$(BIN)/python bench/http.py

# Python work per request, ours vs the lean route, in one process (~20 s): the steadier ratio.
bench-cpu: $(STAMP)
	$(BIN)/python bench/cpu.py

# RLS policies with and without a subquery around app_current_org(), per hot statement (~1 min).
bench-policies: $(STAMP)
	$(BIN)/python bench/policies.py

# pg_dump to the object store and pg_restore into a new database, 1,000 orgs (~10 s).
bench-backup: $(STAMP)
	$(BIN)/python bench/backup.py

# One org of 100,000 audit entries exported, purged and imported, with peak memory (~30 s).
bench-lifecycle: $(STAMP)
	$(BIN)/python bench/lifecycle.py

bench-scale-out: $(STAMP)  # needs CITUS_URL and CITUS_WORKERS: a running Citus cluster
	$(BIN)/python bench/scale_out.py

clean:
	rm -rf $(VENV) .groundwork .pytest_cache .ruff_cache
