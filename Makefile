# The README's commands. Everything runs inside .venv, built from the pinned lock on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NB_TIMEOUT := 600
HOST   ?= 127.0.0.1
PORT   ?= 8888

.PHONY: setup lab test test-unit test-notebooks test-browser lint format bench book lock clean

setup: $(STAMP)

# Rebuilt whenever the lock or the package metadata changes.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) tools/check_python.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian/Ubuntu install the venv module first:"; \
	  echo "       sudo apt-get install python3-venv"; rm -rf $(VENV); exit 1; }
	@echo "Installing the pinned packages into $(VENV) (first use only; about a minute)..."
	$(PY) -m pip install --quiet --quiet --upgrade "pip>=23.1"
	$(PY) -m pip install --quiet --quiet -r requirements.lock
	$(PY) -m pip install --quiet --quiet --no-deps -e .
	@touch $(STAMP)

# JupyterLab on the loopback interface only, protected by a token (printed in the URL), on the
# reader's own copies of the chapters in workspace/ (git-ignored; tools/workspace.py adds new
# chapters and offers changed ones beside the copy, never overwriting it). Their figures go to
# workspace/figures. Jupyter refuses to run as root unless told; containers often are root.
WORKSPACE := workspace
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
	$(PY) tools/workspace.py sync --workspace $(WORKSPACE)
	CNNBP_FIGURES_DIR="$(CURDIR)/$(WORKSPACE)/figures" $(VENV)/bin/jupyter lab \
	  --ServerApp.ip=$(HOST) --port=$(PORT) --ServerApp.root_dir=$(WORKSPACE) \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $(ROOT_FLAG)

# Every test, in four independent stages run two at a time (2 cores), the longest first; each
# stage's output is printed whole when it ends (GNU make 4; an older make runs them in turn).
TEST_STAGES := test-browser test-core test-notebooks test-faults
PARALLEL := $(if $(filter 3.%,$(MAKE_VERSION)),-j1,-j2 --output-sync=target)
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=$(NB_TIMEOUT) \
  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly
test: $(STAMP)
	$(PY) tools/figures_guard.py snapshot
	@echo "make test: $(TEST_STAGES), two at a time; each prints its output when it ends"
	@$(MAKE) --no-print-directory -k $(PARALLEL) $(TEST_STAGES)
	$(PY) tools/figures_guard.py check

# The stages, each runnable alone.
.PHONY: test-core test-faults test-chapter
test-core: $(STAMP)
	$(PY) -m pytest --doctest-modules cnnbp_core tests -m "not browser" \
	  --ignore=tests/test_fault_injection.py
test-faults: $(STAMP)
	$(PY) -m pytest tests/test_fault_injection.py
test-browser: $(STAMP)
	$(PY) -m pytest -m browser tests
test-notebooks: $(STAMP)
	$(PY) -m pytest $(NBVAL) notebooks

# The quick loop: unit, property and doctests and the fault injection; no nbval, no browser.
test-unit: $(STAMP)
	$(PY) -m pytest --doctest-modules cnnbp_core tests -m "not browser"

# One chapter's checks: `make test-chapter CH=04` runs its notebook under strict nbval, then
# every test named for it (contract, hygiene, fault injection) but the browser one.
test-chapter: $(STAMP)
	@ls notebooks/$(CH)_*.ipynb >/dev/null 2>&1 || \
	  { echo "usage: make test-chapter CH=NN, a chapter in notebooks/ (e.g. CH=04)"; exit 2; }
	$(PY) tools/figures_guard.py snapshot
	$(PY) -m pytest $(NBVAL) notebooks/$(CH)_*.ipynb
	$(PY) -m pytest tests -k "$(CH)_ and not browser"
	$(PY) tools/figures_guard.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check cnnbp_core tests tools notebooks
	$(VENV)/bin/ruff format --check cnnbp_core tests tools notebooks

format: $(STAMP)
	$(VENV)/bin/ruff format cnnbp_core tests tools notebooks
	$(VENV)/bin/ruff check --fix cnnbp_core tests tools notebooks

bench: $(STAMP)
	$(PY) tools/bench.py

# Re-execute every chapter in place, storing outputs (and rewriting figures/).
book: $(STAMP)
	$(PY) tools/run_notebooks.py notebooks/[0-9][0-9]_*.ipynb

# The book as a static website in site/ that reads offline (README: "Reading offline: the site").
# Built from the stored outputs, nothing executed; assets come from tools/site/assets/.
.PHONY: site
site: $(STAMP)
	$(PY) tools/build_site.py --out site

# Supported Pythons: tools/check_python.py --list. Proves the lock installs as wheels (no
# compiler, no sdist) on each, for this machine's platform (needs network access to PyPI).
.PHONY: check-wheels test-pythons
check-wheels: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for v in $$($(PY) tools/check_python.py --list); do \
	  echo "Python $$v: downloading requirements.lock, wheels only..."; \
	  $(PY) -m pip download --quiet --only-binary=:all: --python-version $$v \
	    --dest "$$tmp/$$v" -r requirements.lock || \
	    { echo "error: requirements.lock does not install as wheels on Python $$v"; exit 1; }; \
	done && echo "requirements.lock installs as wheels on Python $$($(PY) tools/check_python.py --list)"

# The unit tests on every other supported Python this machine has, each in its own .venv-X.Y
# (CI runs it; `make test` covers the default .venv's Python).
DEFAULT_VERSION = $(shell $(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
test-pythons: $(STAMP)
	@$(PY) tools/pythons.py | while read -r version exe; do \
	  if [ "$$version" = "$(DEFAULT_VERSION)" ]; then \
	    echo "Python $$version: the default ($(VENV)), tested by make test"; \
	  elif [ "$$exe" = "-" ]; then \
	    echo "Python $$version: not found on this machine, skipped"; \
	  else \
	    echo "Python $$version: unit tests in .venv-$$version ($$exe)"; \
	    $(MAKE) --no-print-directory test-unit PYTHON="$$exe" VENV=.venv-$$version || exit 1; \
	  fi; \
	done

# Regenerate the lock after editing the pins in pyproject.toml (needs network access to PyPI).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	  --no-header --annotation-style line -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
