# The two commands: `make run` (set up everything and serve the site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLE := content/sample
# CONTENT=path/to/_posts imports your own Jekyll posts instead of the sample.
CONTENT ?=

.PHONY: help install run serve test lint format lock messages bench bench-search soak validate clean
.DEFAULT_GOAL := help

help:
	@echo "make run                  set up (venv, install, migrate, sample content, admin) and serve http://$(HOST):$(PORT)/"
	@echo "make run CONTENT=DIR      the same, importing your own Jekyll posts from DIR"
	@echo "make test                 run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint                 ruff lint and format check"
	@echo "make messages             compile the Japanese catalogue in locale/ after editing it"
	@echo "make serve                production-like: gunicorn + whitenoise, debug off (needs DJANGO_SECRET_KEY)"
	@echo "make bench                pages (miss and hit), the floor and nginx under wrk, admin timings; N=10000 posts on SQLite"
	@echo "make bench N=100000 DATABASE_URL=postgres://...   the full run (table printed, var/bench.json written)"
	@echo "make bench-search         search p50/p95 on a generated corpus, SQLite and PostgreSQL (N=10000)"
	@echo "make soak                 60 s of mixed traffic at 64 connections + an editor saving every second (PostgreSQL, wrk)"
	@echo "make validate             the sample site (debug off) through the Nu HTML checker, Lighthouse 12, axe-core and the feed rules"
	@echo "make lock                 pin every dependency (with hashes) in requirements.lock from pyproject.toml"

# The exact versions (and their hashes) come from requirements.lock; pyproject.toml keeps the
# ranges they were chosen within. `make lock` chooses again.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0] + ": try make PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed

run: export DJANGO_DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@# A bad file is reported (and the rest imported); the site is served all the same.
	-$(PY) manage.py import_jekyll $(if $(CONTENT),$(CONTENT),$(SAMPLE) --if-empty)
	$(PY) manage.py ensure_admin
	@# Last before the server: the banner (site, admin, account, password file, database) stays
	@# on screen above runserver's few lines.
	@$(PY) manage.py site_banner --url http://$(HOST):$(PORT)/
	@$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	DJANGO_DEBUG=0 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 $(BIN)/gunicorn site_config.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

test: install
	$(BIN)/pytest

# The Japanese catalogue of the apps that ship none (locale/ja/LC_MESSAGES/django.po); the
# compiled .mo is committed, so installing needs no gettext.
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --locale ja --ignore '.venv' --ignore 'var'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	scripts/bench

bench-search: install
	scripts/bench-search

soak: install
	scripts/soak

# Needs Java, Node 18.16+ and Chromium; the checkers come from validate/package-lock.json.
validate: install
	scripts/validate

lock: install
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4,<8"
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --no-emit-index-url \
		--no-emit-find-links --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
