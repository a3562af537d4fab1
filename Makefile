# Developer and CI entry points. `make test` is the one command that checks everything.

PYTHON ?= python3
PIP := $(PYTHON) -m pip
INSTALL_STAMP := build/.install-stamp
PYTEST_ARGS ?=

export PIP_ROOT_USER_ACTION ?= ignore
export PIP_DISABLE_PIP_VERSION_CHECK ?= 1

# `make run` uses its own virtual environment with only what running needs, so trying the bot never
# changes the Python it was started from. Delete .venv to start over.
VENV := .venv
VENV_STAMP := $(VENV)/.install-stamp

.PHONY: install run-install system-deps test lint typecheck run bench

# Editable install with the dev extras; repeated only when pyproject.toml or the Python environment changes.
install:
	@want="$$(cksum < pyproject.toml) $$($(PYTHON) -c 'import sys; print(sys.prefix)')"; \
	if [ "$$(cat $(INSTALL_STAMP) 2>/dev/null)" != "$$want" ]; then \
		echo "pip install -e '.[dev]'"; \
		$(PIP) install -q -e '.[dev]' && mkdir -p $(dir $(INSTALL_STAMP)) && echo "$$want" > $(INSTALL_STAMP); \
	fi

# redis-server, chromium and PostgreSQL are run for real by the tests.
system-deps:
	@scripts/install-system-deps.sh

lint: install
	$(PYTHON) -m ruff check bot tests migrations bench

typecheck: install
	$(PYTHON) -m mypy bot

test: system-deps install lint typecheck
	@$(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; fi; \
	exit $$status

# The benchmarks (BENCHMARKS.md): real servers, a table, bench/results.json. BENCH_ARGS=--quick for a short run.
BENCH_ARGS ?=
bench: system-deps install
	$(PYTHON) -m bench $(BENCH_ARGS)

# The package and its runtime dependencies only (no test tools), into .venv; repeated when pyproject.toml changes.
run-install:
	@[ -x $(VENV)/bin/python ] || { echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@want="$$(cksum < pyproject.toml)"; \
	if [ "$$(cat $(VENV_STAMP) 2>/dev/null)" != "$$want" ]; then \
		echo "$(VENV)/bin/pip install -e ."; \
		$(VENV)/bin/python -m pip install -q -e . && echo "$$want" > $(VENV_STAMP); \
	fi

# The Slack app when a bot token is configured (environment or .env), else the local playground.
# PORT picks the port of either (default 3000): `make run PORT=8080` or `PORT=8080 make run`.
run: run-install
	@if [ -n "$${SLACK_BOT_TOKEN:-}" ] || { [ -f .env ] && grep -Eq \
		"^[[:space:]]*(export[[:space:]]+)?SLACK_BOT_TOKEN[[:space:]]*=[[:space:]]*[\"']?[^\"'[:space:]#]" .env; }; \
	then exec $(VENV)/bin/incident-bot serve --port $${PORT:-3000}; \
	else exec $(VENV)/bin/incident-bot playground --port $${PORT:-3000}; fi
