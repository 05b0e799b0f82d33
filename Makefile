# The whole set-up on a fresh machine is `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint pytest demo tools clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# gettext's msgfmt checks every exported PO file in the tests; install it if missing.
tools:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "installing gettext (msgfmt)"; \
	  (apt-get update -qq && apt-get install -y -qq gettext >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq gettext >/dev/null); }

lint: $(STAMP)
	$(BIN)/ruff check automsg_sync tests samples
	$(BIN)/ruff format --check automsg_sync tests samples
	$(BIN)/mypy

pytest: $(STAMP) tools
	$(BIN)/pytest -q

test: lint pytest

demo: $(STAMP)
	$(BIN)/python samples/demo.py

clean:
	rm -rf $(VENV) .automsg .pytest_cache .mypy_cache .ruff_cache demo-out
