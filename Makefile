# Two commands matter: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The YAML language server the editor tests talk to (npm; only `make test` needs it)
YAML_LS_VERSION := 1.25.0
YAML_LS := $(VENV)/node/node_modules/.bin/yaml-language-server

.PHONY: install test demo lint bench dist clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Without npm the language-server tests are skipped, said plainly (CI installs Node.js and
# fails on any skip), so `make test` still runs on a machine with only Python and make.
$(YAML_LS): | $(STAMP)
	@if command -v npm >/dev/null; then \
		npm install --prefix $(VENV)/node --no-audit --no-fund --silent \
			yaml-language-server@$(YAML_LS_VERSION); \
	else echo "npm not found: the yaml-language-server tests will be skipped"; fi

# every test, with branch coverage (the floor is in pyproject.toml)
test: $(STAMP) $(YAML_LS)
	$(BIN)/pytest --cov --cov-report=term $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check gwctl tests bench
	$(BIN)/ruff format --check gwctl tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

demo: $(STAMP)
	./scripts/demo.sh

# Benchmarks (issue: performance); BENCH_ARGS e.g. --sizes 100,1000
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The sdist and the wheel users install (schemas, migrations, templates inside)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) .gwctl .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* dist
