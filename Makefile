# One machine, no server: everything runs from the project's .venv.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= archrarity.duckdb
VARS   ?=
REPORTS ?= reports
# duckdb (the embedded file, DB), postgres (libpq's PG* variables) or spark (a local Spark)
TARGET ?= duckdb
DOCS_PORT ?= 8080

# DB, VARS and REPORTS reach the shell as environment variables, never pasted into the command
# line, so a path with a quote, a space or a $ arrives intact; $(value ...) keeps make itself
# from expanding a $ in them. Only for build and docs: `make test` must not see them.
build docs: export ARCHRARITY_DB = $(value DB)
build docs: export ARCHRARITY_VARS = $(value VARS)
build docs: export ARCHRARITY_REPORTS = $(value REPORTS)
build: export ARCHRARITY_TARGET = $(value TARGET)
ARCHRARITY_BUILD = $(BIN)/archrarity build --db "$$ARCHRARITY_DB" --vars "$$ARCHRARITY_VARS" \
	--reports "$$ARCHRARITY_REPORTS"

.PHONY: build test lint docs bench clean browser warehouses

# Set-up: the venv with the pinned dependencies and this project's package (editable).
# Beside it, in its own folder, the DuckDB 1.1 that BI drivers bundle: a test opens the
# published file with it, to prove the file's storage version still suits them.
$(VENV)/.installed: requirements.txt pyproject.toml tests/duckdb-1.1.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade --target $(VENV)/duckdb-1.1 -r tests/duckdb-1.1.txt
	touch $@

# The main job: dbt build into a scratch file, publish $(DB) only if every model and test passed.
build: $(VENV)/.installed
	$(ARCHRARITY_BUILD)

# Headless Chromium for the report page's browser test (tests/python/test_page.py): Debian's
# package, installed only where it is missing (apt-get needs root, as on CI).
browser:
	test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

# PostgreSQL 15 and Java 17 (for Spark) for the warehouse tests (tests/python/test_warehouses.py):
# Debian's packages, installed only where missing (apt-get needs root, as on CI). The tests start a
# throwaway server of their own; a server the package itself may have started is not used.
warehouses:
	test -x /usr/lib/postgresql/15/bin/pg_ctl -a -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		postgresql openjdk-17-jre-headless; }

# Every check: lint, dbt parse (deprecations are errors), dbt build on a throwaway in-memory
# target with all data and unit tests, pytest.
test: $(VENV)/.installed browser warehouses
	rm -f target/run_results.json target/pytest-junit.xml
	$(BIN)/sqlfluff lint --processes 2
	$(BIN)/ruff check src tests/python
	$(BIN)/dbt parse --profiles-dir . --target test --warn-error-options '{"error": ["Deprecations"], "silence": ["UnusedResourceConfigPath"]}'
	$(BIN)/dbt build --profiles-dir . --target test
	$(BIN)/pytest -n 2 --junitxml=target/pytest-junit.xml

# Benchmark the models on synthetic hub-sized catalogs (bench/README.md); not part of `make test`.
BENCH_ARGS ?=
# Benchmark-only dependencies (pandas for the notebook yardstick): never installed by build or test.
$(VENV)/.bench-installed: $(VENV)/.installed bench/requirements-bench.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r bench/requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The dbt docs site (lineage graph, every column described), generated on a copy of the
# published file so a BI tool holding it is never disturbed (in dbt's target path).
docs: $(VENV)/.installed
	test -f "$$ARCHRARITY_DB" || $(ARCHRARITY_BUILD)
	target="$${DBT_TARGET_PATH:-target}" && mkdir -p "$$target" && cp "$$ARCHRARITY_DB" "$$target/docs.duckdb" \
		&& ARCHRARITY_DB_PATH="$$target/docs.duckdb" $(BIN)/dbt docs generate --profiles-dir .
	$(BIN)/dbt docs serve --profiles-dir . --port $(DOCS_PORT)

clean:
	rm -rf $(VENV) target logs reports
