# Pressroom: `make` builds every edition of the sample book; `make test` runs the suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
NODE_READY := node_modules/.ready

# Same sources, same bytes: no clock, zone, locale or hash seed leaks into the outputs.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
export TZ := UTC
export LC_ALL := C.UTF-8
export PYTHONHASHSEED := 0

# The kinds of edition, from the registry (pressroom/editions/__init__.py): one target each.
# It imports nothing but the standard library, so the system Python reads it before .venv exists.
KINDS := $(shell $(PYTHON) -c 'import pressroom.editions as e; print(*e.KINDS)')

.PHONY: all $(KINDS) check proof test test-fast test-slow clean system-check test-system-check

# The book to build and where: `make MANUSCRIPT=path/to/book OUT=path/to/out`.
MANUSCRIPT ?= manuscript
OUT ?= build
# Everything a build reads: the manuscript (images, its own templates and styles included), our
# code with its templates, styles and fonts, the pinned requirements. A build records the files it
# wrote in its stamp; `make` with nothing changed since, and every one of them still there, does nothing.
SOURCES := $(shell find $(MANUSCRIPT) pressroom -type f ! -name '*.pyc' 2>/dev/null) \
	build.py requirements.txt Makefile
STAMP = $(OUT)/.make-$(1)
# A book with TeX math (`math: tex` in book.yaml) has its PDF formulas drawn by MathJax under node
# (npm `mathjax`, pinned in package-lock.json): only such a book's build needs node and npm ci.
MATH := $(shell grep -sqE "^math:[[:space:]]*[\"']?tex" $(MANUSCRIPT)/book.yaml && echo math)
BUILD_NEEDS := $(READY) $(if $(MATH),$(NODE_READY))
$(foreach kind,all $(KINDS),$(shell test -f $(call STAMP,$(kind)) && \
	{ while read -r f; do test -e "$$f" || { rm -f $(call STAMP,$(kind)); break; }; done < $(call STAMP,$(kind)); }))

all: $(call STAMP,all)
$(KINDS): %: $(call STAMP,%)

$(call STAMP,all): $(SOURCES) $(BUILD_NEEDS)
	@scripts/system-check build $(MATH)
	$(PY) build.py build --manuscript $(MANUSCRIPT) --out $(OUT) --stamp $@

$(OUT)/.make-%: $(SOURCES) $(BUILD_NEEDS)
	@scripts/system-check build $(MATH)
	$(PY) build.py build $* --manuscript $(MANUSCRIPT) --out $(OUT) --stamp $@

# Built first, so the check reads the editions of the sources as they are, never stale ones.
check: all $(NODE_READY)
	$(PY) build.py check --manuscript $(MANUSCRIPT) --out $(OUT)

# Every page of the built PDFs in spreads, the pages check flags marked: build/proof/index.html; beside
# them the EPUB in epub.js at 360x640 and the web edition at 360 and 1280 px, light and dark (node, Chromium).
proof: all $(NODE_READY)
	$(PY) build.py proof --manuscript $(MANUSCRIPT) --out $(OUT)

# The suite, but the real books of tests/corpus/, the 300-page book with 750 notes and a cluster
# losing a worker mid-catalogue (minutes each: `make test-slow`), on three workers a whole file
# each: most of a test waits on one single-threaded tool, and the longest files go first
# (tests/conftest.py). The hundreds of build.py processes the tests start keep Python's compiled
# modules: a CI image that sets PYTHONDONTWRITEBYTECODE would have each compile Pressroom again.
test: $(READY) system-check test-system-check $(NODE_READY)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -p no:cacheprovider -n 3 --dist loadfile -m "not slow" tests

test-slow: $(READY) system-check test-system-check $(NODE_READY)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -p no:cacheprovider -m slow tests

# The edit-test loop: one stage at a time, in process, no layout and no browser (under a minute).
test-fast: $(READY)
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

# The virtual environment, from pinned requirements; redone when they change.
$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# The checkers that run in a browser, pinned in package-lock.json: axe-core (the web edition's tests)
# and Ace by DAISY (the EPUB). --ignore-scripts: no install step downloads a browser; Debian's
# chromium runs them (.puppeteerrc.cjs).
$(NODE_READY): package.json package-lock.json
	@scripts/system-check node
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# What pip cannot install: say exactly which command installs it.
system-check:
	@scripts/system-check build

test-system-check:
	@scripts/system-check test

clean:
	rm -rf build dist

# Live preview: the web edition on http://127.0.0.1:8000, rebuilt and reloaded on every save.
.PHONY: watch
watch: $(READY) system-check
	$(PY) build.py watch

# What changed between two revisions: `make diff FROM=v1.0 [TO=HEAD] [PAGES=1]` → build/diff/.
.PHONY: diff bench
diff: $(READY) system-check
	@test -n "$(FROM)" || { echo "make diff needs FROM=<revision> (and optionally TO=<revision>, PAGES=1)" >&2; exit 2; }
	$(PY) build.py diff $(FROM) $(TO) $(if $(PAGES),--pages)

# Benchmarks: each prints its figure and its ratio to the bar it is held to.
bench: $(READY) system-check $(NODE_READY)
	$(PY) bench/bench_lean.py
	$(PY) bench/bench_build.py
	$(PY) bench/bench_diff.py
	$(PY) bench/bench_stamp.py
	$(PY) bench/bench_catalogue.py
	$(PY) bench/bench_limits.py
	$(PY) bench/bench_corpus.py

# A press's whole list on Dask: `make catalogue [PRESS=press.yaml] [SCHEDULER=tcp://host:8786]`
# (without SCHEDULER a LocalCluster on this machine) → build/catalogue/<book>/.
PRESS ?= press.yaml
.PHONY: catalogue
catalogue: $(READY) system-check
	$(PY) build.py catalogue $(PRESS) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# A release: every edition into dist/<slug>-<version>/ with manifest.json, SHA256SUMS and
# CHANGES.md (since the previous v* tag); per-reader copies: `python build.py stamp --readers CSV`.
.PHONY: dist
dist: $(READY) system-check
	$(PY) build.py dist
