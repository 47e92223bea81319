# Tenglong: the two commands a fresh machine needs are `make run` and `make test`.
# Both create .venv when it is missing and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
JS     := $(VENV)/share/tenglong/js
WORKSPACE ?= data/fuxing.gpkg

.PHONY: run test lint bench demo clean

$(BIN)/python:
	bash scripts/make-venv.sh $(PYTHON) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: pip runs again only when pyproject.toml is newer than the stamp.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

# Pinned browser libraries (geo/config/js_assets.toml), fetched from the npm registry
# with their integrity checked; offline, the app runs and the editing tools say why not.
$(JS)/.fetched: geo/config/js_assets.toml scripts/fetch-js.py | $(BIN)/python
	$(BIN)/python scripts/fetch-js.py --strict --dest $(JS) && touch $@ || true

run: $(VENV)/.installed $(JS)/.fetched
	TENGLONG_WORKSPACE=$(WORKSPACE) $(BIN)/streamlit run app.py \
		--server.port $(PORT) --server.address localhost

test: $(VENV)/.installed-dev $(JS)/.fetched
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-export-tools.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check geo tests app.py bench scripts
	$(BIN)/ruff format --check geo tests app.py bench scripts

demo: $(VENV)/.installed
	$(BIN)/tenglong demo build --out data/

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/release_summary.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
