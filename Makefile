# Suyuan — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The address `make run` listens on: HOST=0.0.0.0 to let a phone on the LAN reach it.
HOST ?= 127.0.0.1
# The QR codes and the links the seed prints point at the server `make run` starts
# (with HOST=0.0.0.0, at this machine's first LAN address; settings allow that host).
LAN_IP := $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname -I 2>/dev/null | cut -d' ' -f1))
export PUBLIC_BASE_URL ?= http://$(or $(LAN_IP),$(filter-out 0.0.0.0 ::,$(HOST)),127.0.0.1):$(PORT)
STAMP := $(VENV)/.installed
# These targets are for development: with no SECRET_KEY set, a random key is generated once
# into var/secret_key (config/settings.py). Production sets SECRET_KEY and never SUYUAN_DEV.
export SUYUAN_DEV ?= 1
LOCK := requirements.lock

.PHONY: run test install lock migrate seed serve bench lint messages clean

## make install: the exact versions and hashes of requirements.lock (runtime + dev), then the
## project itself without dependencies. Fails if pyproject.toml's ranges changed since the
## lock was made: run `make lock` then (and commit requirements.lock).
$(STAMP): pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11+)"; exit 1; }
	$(PYTHON) .ci/lockfile.py check
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps .
	touch $(STAMP)

install: $(STAMP)

## make lock: re-resolve pyproject.toml's ranges (with the dev extra) for Linux / Python 3.11
## into requirements.lock with hashes; `make lock UPGRADE=1` also moves to newer releases.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv>=0.5,<1"
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --quiet \
	  --python-version 3.11 --python-platform linux $(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(PYTHON) .ci/lockfile.py stamp
	@echo "requirements.lock written; run make install"

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

seed: migrate
	$(BIN)/python manage.py seed_demo

## make run: create the environment, migrate, seed the demo, serve on http://$(HOST):$(PORT)
## With REDIS_URL set, tasks go through Redis, so a Celery worker (with beat) runs beside the server;
## without it, `sweep_deadlines --every 60` stands in for beat's deadline sweep.
run: seed
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting a Celery worker with beat beside the server"; \
	  mkdir -p var; $(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule \
	    --loglevel warning --concurrency 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
	  echo "no REDIS_URL: tasks run inline, and the deadline sweep runs every minute beside the server"; \
	  $(BIN)/python manage.py sweep_deadlines --every 60 & sweeper=$$!; \
	  trap 'kill $$sweeper 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

## node_modules: axe-core, the accessibility checker the browser tests load into Chromium, at
## the version package-lock.json pins (`npm ci`); without npm the axe checks are skipped, visibly.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $(AXE); \
	else echo "npm not found: the browser tests' accessibility checks will be skipped (apt-get install npm)"; fi

## make test: the whole suite (SQLite by default; DATABASE_URL/REDIS_URL for PostgreSQL/Redis)
test: install $(AXE)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: the benchmark suite against PostgreSQL + Redis; writes docs/BENCHMARKS.md
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles node_modules
