# svodka — the two Quick start commands are `make demo` and `make test`.
# Everything they need (virtual environment, Python deps, Kafka jars, the broker)
# is installed and started by these targets on a fresh clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml 2>/dev/null | cut -c1-12)
# Where the stack keeps its state and the Kafka jars: SVODKA_HOME, as for the svodka command.
SVODKA_HOME := $(or $(SVODKA_HOME),.svodka)
export SVODKA_HOME
JARS   := $(SVODKA_HOME)/kafka/libs/.pom-sha256

.PHONY: install kafka-jars demo test test-unit test-integration bench up down clean help

help:
	@echo "make demo   run the whole pipeline on seeds/ and print a summary from ClickHouse"
	@echo "make test   run the test suite (starts a real Kafka broker and chDB stores in temp dirs)"
	@echo "make bench  run the benchmarks and print the ratios"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "svodka: $(PYTHON) not found: install Python >= 3.11"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "svodka: installing Python dependencies into $(VENV)/ (log: $(VENV)/pip.log) ..."
	@$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip > $(VENV)/pip.log 2>&1 \
	  && $(BIN)/python -m pip install --disable-pip-version-check -e '.[test]' >> $(VENV)/pip.log 2>&1 \
	  || { tail -n 30 $(VENV)/pip.log; echo "svodka: pip install failed (see $(VENV)/pip.log)"; exit 2; }
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

$(JARS): deploy/local/kafka/pom.xml | $(STAMP)
	$(BIN)/python -c "import os; from pathlib import Path; from svodka.runtime.localkafka import LocalKafka; LocalKafka(Path(os.environ['SVODKA_HOME'])).ensure_jars()"

kafka-jars: $(JARS)

# The demo stops the stack on exit, success or failure, so nothing is left running.
demo: install kafka-jars
	@set -e; trap '$(BIN)/svodka down -q' EXIT; \
	$(BIN)/svodka up; \
	$(BIN)/svodka ingest seeds/ --wait; \
	$(BIN)/svodka report summary; \
	echo; echo "== Stories (docs/stories.md)"; $(BIN)/svodka report stories --limit 5

test: install kafka-jars
	$(BIN)/python -m pytest -q

test-unit: install
	$(BIN)/python -m pytest -q tests/unit

bench: install kafka-jars
	$(BIN)/python bench/run.py

up: install kafka-jars
	$(BIN)/svodka up

down:
	@test -x $(BIN)/svodka && $(BIN)/svodka down || true

clean: down
	rm -rf $(SVODKA_HOME)/data $(SVODKA_HOME)/clickhouse $(SVODKA_HOME)/kafka/data-* $(SVODKA_HOME)/run $(SVODKA_HOME)/logs
