# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := chromium chromium-driver hyperfine

.PHONY: install system-deps demo serve test lint format bench bench-venvs bench-detection clean

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

test: install system-deps  ## install what the tests need and run them all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

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

bench: install bench-venvs
	@status=0; for b in bench/bench_*.py; do echo "== $$b"; \
	  if [ $$b = bench/bench_detection.py ]; then $(BIN)/python -m bench.bench_detection || status=1; \
	  else $(BIN)/python $$b || status=1; fi; done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
