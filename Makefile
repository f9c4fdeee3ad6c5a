# Lead funnel warehouse: the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LEADS ?= 10000
BENCHMARK_ARGS ?=
export LEAD_FUNNEL_DUCKDB ?= $(CURDIR)/warehouse/lead_funnel.duckdb
export LEAD_FUNNEL_PUBLISH_PATH ?= $(CURDIR)/warehouse/lead_funnel_published.duckdb

.PHONY: install install-all servers demo test lint pytest test-spark benchmark clean

# `make demo` needs the package and dbt on DuckDB only.
install: $(VENV)/.installed

# Exact pins live in pyproject.toml; constraints.txt pins every transitive dependency.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

# Everything the tests use: the dev tools, the PostgreSQL and Spark engines, and the Delta
# Lake jars from Maven Central (spark/pom.xml) into .spark/jars.
install-all: $(VENV)/.installed-all

$(VENV)/.installed-all: $(VENV)/.installed pyproject.toml constraints.txt spark/pom.xml
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,postgres,spark]"
	mvn -q -B -f spark/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/.spark/jars -DincludeScope=runtime
	touch $@

## First command: generate demo data, build every model, publish the marts.
demo: install
	$(BIN)/lead-funnel generate --leads $(LEADS) --replace
	$(BIN)/lead-funnel run
	@echo "Funnel report (one HTML file, opens offline in any browser):"
	@$(BIN)/lead-funnel report

## Second command: lint SQL and Python, then run the whole test suite.
test: install-all servers lint pytest

# What the tests run besides Python, from Debian's packages (as root), each installed only
# when missing: PostgreSQL's server binaries (the tests start a private server on a free
# port and stop it) and Chromium (test_report.py drives it headless through Playwright).
servers:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install-all
	$(BIN)/ruff check scripts tests/python
	$(BIN)/ruff format --check scripts tests/python
	LEAD_FUNNEL_DUCKDB=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/singular analyses

# Two workers (the CI machine's two cores). A test module stays on one worker, so its
# fixtures are built once; tests/python/conftest.py hands the modules out slowest first.
pytest: install-all servers
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The inner loop, no servers needed: the commands of `lint`, every test not marked `build`
# (none builds a warehouse or starts PostgreSQL, Spark or Chromium; `spark_incremental`
# stays out too) and every dbt unit test, on a tiny landing built with `dbt build --empty`
# (dbt reads the unit tests' column types from the built relations). The three run at
# once, lint and unit tests logged to target/test-fast/ and shown at the end. `make test`
# still runs everything.
.PHONY: test-fast
test-fast: install-all
	@rm -rf target/test-fast && mkdir -p target/test-fast
	@echo "lint and dbt unit tests in the background (target/test-fast/*.log), pytest here:"
	@{ $(BIN)/ruff check scripts tests/python && $(BIN)/ruff format --check scripts tests/python && \
		LEAD_FUNNEL_DUCKDB=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/singular analyses; \
	} > target/test-fast/lint.log 2>&1 & lint=$$!; \
	LEAD_FUNNEL_DUCKDB=$(CURDIR)/target/test-fast/unit.duckdb \
	DBT_TARGET_PATH=$(CURDIR)/target/test-fast/dbt DBT_LOG_PATH=$(CURDIR)/target/test-fast/logs \
	sh -c '$(BIN)/lead-funnel generate --leads 20 --days 5 --start-date 2026-01-01 --replace --quiet && \
		$(BIN)/dbt --no-use-colors build --empty --exclude-resource-type test' > target/test-fast/unit.log 2>&1 & unit=$$!; \
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not build and not spark_incremental"; \
	pytest=$$?; wait $$lint; lint=$$?; wait $$unit; unit=$$?; \
	echo "== lint (exit $$lint)"; cat target/test-fast/lint.log; \
	echo "== dbt unit tests on empty relations (exit $$unit)"; \
	if [ $$unit -eq 0 ]; then grep -E "Finished running|Done\. PASS" target/test-fast/unit.log; \
	else cat target/test-fast/unit.log; fi; \
	echo "== test-fast: pytest exit $$pytest, lint exit $$lint, dbt unit tests exit $$unit"; \
	[ $$pytest -eq 0 ] && [ $$lint -eq 0 ] && [ $$unit -eq 0 ]

# Spark incremental runs, typed and all-text (about 36 minutes, one after the other: two
# Spark sessions at once on two cores take more than twice as long): not in `make test`,
# which builds both landings on Spark in full (test_cross_engine.py).
test-spark: install-all servers
	$(BIN)/pytest -m spark_incremental tests/python/test_spark_incremental.py

benchmark: install-all
	$(BIN)/lead-funnel benchmark $(BENCHMARK_ARGS)

clean:
	rm -rf target logs warehouse $(VENV)
