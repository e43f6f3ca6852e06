# Pressroom: `make` builds every edition of the sample book; `make test` runs the suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

# Same sources, same bytes: no clock, zone, locale or hash seed leaks into the outputs.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
export TZ := UTC
export LC_ALL := C.UTF-8
export PYTHONHASHSEED := 0

.PHONY: all pdf print epub html check test clean system-check test-system-check

all: $(READY) system-check
	$(PY) build.py build

pdf print epub html: $(READY) system-check
	$(PY) build.py build $@

check: $(READY) system-check
	$(PY) build.py check

test: $(READY) system-check test-system-check
	$(PY) -m pytest -q -p no:cacheprovider tests

# The virtual environment, from pinned requirements; redone when they change.
$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# What pip cannot install: say exactly which command installs it.
system-check:
	@scripts/system-check build

test-system-check:
	@scripts/system-check test

clean:
	rm -rf build dist
