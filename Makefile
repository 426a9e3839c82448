# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint demo browser check-fresh clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/aitoday run

demo: $(STAMP)
	$(VENV)/bin/aitoday demo

# Headless Chromium and a Japanese font for the browser tests, from Debian's packages (root only; skipped elsewhere).
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=ja 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "chromium could not be installed: browser tests will be skipped"; \
	else echo "not root: browser tests will be skipped unless chromium is on PATH"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(STAMP) browser check-fresh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# A new user's first minutes: a clone with no ../shared beside it, a new venv installing with the pip it ships
# (no upgrade: that pip must do), then the command line answers. Clones what is committed (HEAD).
check-fresh:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git clone -q "$$(git rev-parse --show-toplevel)" "$$tmp/aitoday"; \
	$(PYTHON) -m venv "$$tmp/aitoday/.venv"; \
	echo "check-fresh: $$("$$tmp/aitoday/.venv/bin/pip" --version | cut -d' ' -f1-2), installing a clone in $$tmp"; \
	if ! (cd "$$tmp/aitoday" && .venv/bin/pip install -q --no-compile -e . >"$$tmp/pip.log" 2>&1); then \
		cat "$$tmp/pip.log"; echo "check-fresh: the install failed"; exit 1; fi; \
	cd "$$tmp/aitoday" && .venv/bin/aitoday --help >/dev/null && \
	.venv/bin/aitoday --data-dir "$$tmp/data" chat --as telegram:42 help >/dev/null && \
	echo "check-fresh: aitoday --help and aitoday chat answer in a fresh clone"

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
