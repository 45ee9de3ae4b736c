# Two entry points (README): `make run` and `make test`. Both install what they need and are
# cheap to run again: the venv is rebuilt only when requirements.txt changes, apt runs only
# when a system package is missing.
SHELL := /bin/bash
PY := .venv/bin/python
APT_PACKAGES := chromium chromium-headless-shell fonts-noto-cjk poppler-utils postgresql
DB ?= data/servicereport.duckdb
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format system-deps venv demo bench clean

run: system-deps venv
	@if [ ! -f "$(DB)" ]; then $(PY) manage.py demo --db "$(DB)"; fi
	SERVICEREPORT_DB="$(DB)" $(PY) -m ui.server \
		--server.address 127.0.0.1 --server.port 8501 --server.headless true

test: system-deps venv lint
	$(PY) -m pytest -n auto --dist loadfile --durations=25

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: .venv/.requirements-installed

.venv/.requirements-installed: requirements.txt
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is required"; exit 1; }
	python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	[ -x $(PY) ] || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

demo: venv
	$(PY) manage.py demo --db "$(DB)"

bench: system-deps venv
	$(PY) -m benchmarks.run

clean:
	rm -rf .venv .pytest_cache .ruff_cache
