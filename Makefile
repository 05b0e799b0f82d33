# The whole set-up on a fresh machine is `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint pytest docs demo tools clean soak fuzz bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# The tests check every exported PO file with gettext's msgfmt and re-save XLSX
# files through LibreOffice (as a translator would), and open the HTML pages in
# headless Chromium; install them if missing.
# A package manager busy with another job (unattended upgrades) is waited for
# (dpkg's lock, up to 10 minutes), and a failed download is tried twice more.
APT := $(shell [ "$$(id -u)" = 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get \
	-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3
tools:
	@missing=""; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  for try in 1 2 3; do \
	    $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $$missing >/dev/null && break; \
	    [ $$try = 3 ] && exit 1; echo "the package manager failed (try $$try of 3); again in 20 s"; sleep 20; \
	  done; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check automsg_sync tests samples bench
	$(BIN)/ruff format --check automsg_sync tests samples bench
	$(BIN)/mypy

pytest: $(STAMP) tools
	$(BIN)/pytest -q

test: lint pytest docs

# The documentation site (mkdocs.yml), built into site/; a broken link, an
# anchor that does not exist or a page left out of the navigation fails it.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Reliability suites (bounded, loopback only); their short versions run in `make test`.
SEED ?= $(shell date +%s | tail -c 6)
soak: $(STAMP)
	$(BIN)/python tests/soak.py --cycles 500 --seed $(SEED)

fuzz: $(STAMP)
	$(BIN)/python tests/fuzz.py --inputs 5000 --seed $(SEED)
	$(BIN)/python tests/server_fuzz.py --inputs 2000 --seed $(SEED)

# The performance harness (not part of `make test`): about 4 minutes here.
bench: $(STAMP)
	$(BIN)/python bench/run.py

demo: $(STAMP)
	$(BIN)/python samples/demo.py

clean:
	rm -rf $(VENV) .automsg .pytest_cache .mypy_cache .ruff_cache demo-out site
