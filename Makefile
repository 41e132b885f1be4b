# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := chromium chromium-driver hyperfine

.PHONY: install system-deps demo serve test test-fast js-test lint format bench bench-venvs bench-detection clean

# The viewer's JavaScript (driftwatch_nb/js): npm ci again only when the lock file changes.
JS_DIR := driftwatch_nb/js
JS_STAMP := $(JS_DIR)/node_modules/.npm-ci-stamp

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)  ## the Python environment with every extra

system-deps:  ## Debian packages the browser and adapter tests use
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

demo: install  ## run the server on embedded defaults with a real demo report
	$(BIN)/driftwatch demo

serve: install
	$(BIN)/driftwatch serve

$(JS_STAMP): $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund
	touch $@

js-test: $(JS_STAMP)  ## lint, typecheck and unit-test the viewer's modules; check the bundle is fresh
	cd $(JS_DIR) && npm run --silent lint
	cd $(JS_DIR) && npm run --silent typecheck
	cd $(JS_DIR) && npm test
	cd $(JS_DIR) && npm run --silent check

test: install system-deps js-test  ## install what the tests need and run them all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

test-fast: install  ## the inner loop: unit tests only (no PostgreSQL, Chromium or JupyterLab)
	$(BIN)/pytest -n 2 -m "not integration" -q

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .

# The change-point anchors of bench/bench_detection.py, each in a virtual environment of its
# own (their pins clash with each other and with the product: otava pins numpy 2.2, MongoDB's
# signal-processing-algorithms needs numpy < 2). Never part of the product's dependencies.
BENCH_VENVS := bench/.venvs
ANCHOR_asv := asv==0.6.6 numpy
ANCHOR_otava := apache-otava==0.8.0
ANCHOR_spa := signal-processing-algorithms==2.1.6
ANCHORS := asv otava spa

$(BENCH_VENVS)/%/.installed:
	rm -rf $(BENCH_VENVS)/$*
	$(PYTHON) -m venv $(BENCH_VENVS)/$*
	$(BENCH_VENVS)/$*/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENVS)/$*/bin/python -m pip install --quiet $(ANCHOR_$*)
	touch $@

bench-venvs: $(foreach a,$(ANCHORS),$(BENCH_VENVS)/$(a)/.installed)  ## the anchors' own venvs

bench-detection: install bench-venvs  ## the change-point detector against its anchors
	$(BIN)/python -m bench.bench_detection

bench: install bench-venvs  ## every benchmark in bench/, each printing a ratio against its baseline
	@status=0; for b in bench/bench_*.py; do m=$$(basename $$b .py); echo "== bench.$$m"; \
	  $(BIN)/python -m bench.$$m || status=1; done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts $(JS_DIR)/node_modules
