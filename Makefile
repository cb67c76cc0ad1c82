# Set-up, tests, demo and benchmarks. `make demo` and `make test` set up whatever is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 3 --dist loadfile

.PHONY: setup system-deps test demo lint bench clean

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Debian's chromium (Playwright cannot download its own browser here), CJK fonts, pg_dump for backups.
system-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$$need fonts-noto-cjk"; \
	command -v pg_dump >/dev/null 2>&1 || need="$$need postgresql-client"; \
	if [ -z "$$need" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing$$need with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	else \
		echo "missing system packages:$$need"; \
		echo "  install them with: sudo apt-get install$$need"; \
		echo "  (or set SURVEIL_BROWSER_EXECUTABLE to a Chromium, or install Playwright's own browser)"; \
		echo "  browser tests are skipped until then"; \
	fi

# Prints what the run will use (PostgreSQL, Redis, Chromium, shared data; strict or not) before it starts.
test: setup
	@$(BIN)/python -m tests.resources
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

demo: setup
	$(BIN)/surveil demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each script states its goals, measures its baseline in the same run and exits 1 when a goal is missed,
# 2 when a backend or data it needs is missing: the first failure stops the target.
bench: setup
	@for script in bench/bench_*.py; do \
		echo "== $$script (load average: $$(cut -d' ' -f1-3 /proc/loadavg))"; \
		$(BIN)/python $$script; code=$$?; \
		if [ $$code -ne 0 ]; then \
			echo "$$script exited $$code (1: a goal missed, 2: a backend or data it needs is missing)"; \
			exit $$code; \
		fi; \
	done

clean:
	rm -rf var .pytest_cache
