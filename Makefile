# Two entry points: `make demo` and `make test`. Both set up .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: demo test setup system-deps bench docs

setup: $(VENV)/.installed

# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Headless Chromium and a CJK font for the dashboard browser tests (Debian packages).
system-deps:
	@command -v chromium >/dev/null && fc-list | grep -qi wenquanyi || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

demo: setup
	$(VENV)/bin/reviewlens demo --scenario incident

test: setup system-deps
	$(PY) -m pytest

bench: setup
	$(PY) tests/benchmarks/bench_ingest.py

# The figure pages docs/model.md and docs/performance.md, from docs/data/*.json (standard library only).
docs:
	python3 docs/generate.py
