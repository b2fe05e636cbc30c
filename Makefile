# The two commands of the README: `make demo` and `make test`.
# Both install everything into .venv/ first when it is missing (idempotent).
PY := .venv/bin/python
STAMP := .venv/.mofme_mm_installed

.PHONY: install demo test test-fast lint clean

install: $(STAMP)

$(STAMP): $(wildcard requirements/*.txt) setup.py model-index.yml tools/scripts/install.sh
	bash tools/scripts/install.sh
	touch $(STAMP)

demo: install
	$(PY) tools/demo.py

# Fails on any failing test, and when no test ran at all (pytest exit code 5).
test: install
	$(PY) -m pytest tests

test-fast: install
	$(PY) -m pytest tests -m "not slow"

lint: install
	$(PY) -m ruff check mofme_mm tools tests configs

clean:
	rm -rf work_dirs .pytest_cache .ruff_cache
