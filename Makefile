# Signalhouse: `make demo` and `make test` are all a new user needs (Python 3.11 only).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := data/demo
DB ?= warehouse/signalhouse.duckdb
# Lint compiles models without a warehouse file.
LINT_ENV := SIGNALHOUSE_DB=:memory:

.PHONY: help venv venv-spark demo test test-spark lint format nightly bench clean

help:
	@echo "make demo    create .venv, generate a sample, ingest, build and check it"
	@echo "make test    lint (ruff, sqlfluff) and the whole pytest suite"
	@echo "make nightly DATA=path  ingest, build, check and publish your files (exit 4: not published)"
	@echo "make bench   benchmarks (figures and ratios; slow)"
	@echo "make test-spark  build the golden sample on DuckDB and on Spark, compare every mart"
	@echo "make clean   remove generated data, warehouses and build output"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else \
		"Signalhouse needs Python 3.11: run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The bench extra (chDB) is installed too: tests/bench compares our funnel with chDB's.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	@# gbstats (GrowthBook's stats engine) is the experiment tests' oracle only. It declares
	@# numpy<2 and pandas<2, which its frequentist engine does not need: install it alone.
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt gbstats
	@touch $(STAMP)

venv: $(STAMP)

# Spark gets its own environment: pyspark slows Great Expectations' import and warns on
# pandas 3. Needs Java 17 (java on PATH or JAVA_HOME).
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed

$(SPARK_STAMP): constraints-spark.txt
	@command -v java >/dev/null || test -n "$$JAVA_HOME" || \
		(echo "Spark needs Java 17: install it (apt-get install openjdk-17-jre-headless)" && exit 2)
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	@# pandas, numpy, scipy, pyarrow: the dbt Python models (experiment statistics), run in the
	@# dbt process by `python -m signalhouse.spark_dbt` (README "### Spark").
	$(SPARK_VENV)/bin/python -m pip install --quiet -c constraints-spark.txt \
		dbt-core "dbt-spark[session]" pyspark duckdb pandas numpy scipy pyarrow
	@touch $(SPARK_STAMP)

venv-spark: $(SPARK_STAMP)

$(DEMO_DIR)/truth.json: | $(STAMP)
	$(BIN)/signalhouse generate --out $(DEMO_DIR) --users 5000 --days 30 --tenants 2 --seed 42 \
		--workers 2

# Published only when every gate passes; a second `make demo` reuses it (a nightly run with
# no new files is an empty load, which the gates reject on purpose).
$(DB): $(DEMO_DIR)/truth.json | $(STAMP)
	$(BIN)/signalhouse nightly $(DEMO_DIR) --db $(DB)

demo: $(STAMP) $(DB)
	SIGNALHOUSE_DB=$(abspath $(DB)) $(BIN)/dbt docs generate --static --quiet \
		--project-dir . --profiles-dir . --log-path target/logs
	@echo
	@echo "Signalhouse demo is ready:"
	@echo "  sample data + ground truth  $(DEMO_DIR)/  (truth.json)"
	@echo "  warehouse                   $(DB)  (open it read-only)"
	@echo "  dbt docs                    target/static_index.html  (one self-contained file)"
	@echo "  HTML report                 $(dir $(DB))report.html  (self-contained: open it in a browser)"
	@echo "  Data Docs (expectations)    expectations/gx/uncommitted/data_docs/local_site/index.html"
	@echo "  run manifests               $(dir $(DB))runs/<run id>/manifest.json, table audit.run_manifests"
	@echo "  try                         $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(DB)', read_only=True).sql('select tenant_id, count(*) from staging.stg_segment__events group by 1'))\""

test: lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LINT_ENV) $(BIN)/sqlfluff lint models tests/dbt macros analyses

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(LINT_ENV) $(BIN)/sqlfluff fix models tests/dbt macros analyses

nightly: $(STAMP)
	@test -n "$(DATA)" || (echo "usage: make nightly DATA=path/to/exports" && exit 2)
	$(BIN)/signalhouse nightly $(DATA) --db $(DB)

# The golden sample built on DuckDB and on Spark, every enabled mart compared row by row
# (tests/spark; several minutes: Spark starts a JVM and runs each model as a job).
test-spark: $(STAMP) $(SPARK_STAMP)
	SIGNALHOUSE_TEST_SPARK=1 $(BIN)/pytest tests/spark -m spark -p no:cacheprovider

# SIZES=1m,10m STAGES=scan,ingest,... REPEAT=3 (see `signalhouse bench --help`).
SIZES ?= 1m,10m
REPEAT ?= 3
bench: $(STAMP)
	$(BIN)/signalhouse bench --sizes $(SIZES) --repeat $(REPEAT) $(if $(STAGES),--stages $(STAGES))

clean:
	rm -rf data warehouse target logs bench/data bench/results .pytest_cache .ruff_cache
