# mmm_bayes developer commands. `make demo` and `make test` work on a fresh clone.
PY_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PY_VERSION) || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-slow lint format docs notebooks bench docs-config bench-optimize bench-forecast bench-calibration bench-geo bench-priors bench-replicates validate sbc clean

install: $(STAMP)

$(STAMP): pyproject.toml .python-version
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), f"mmm_bayes needs Python >= 3.12, found {sys.version.split()[0]}; install $(PY_VERSION) (pyenv install $(PY_VERSION)) or run make PYTHON=/path/to/python3.12"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e ".[test,lint,parquet,docs]"
	touch $(STAMP)

demo: install
	$(BIN)/python -m mmm_bayes.demo --out runs/demo

test: install
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: install
	$(BIN)/python -m pytest -m slow -q

docs: install  # the documentation site, warnings as errors, into site/ (open site/index.html)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

notebooks: install  # run every notebook in notebooks/ top to bottom (also part of `make test`)
	$(BIN)/python -m pytest -m notebooks -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  # vs PyMC-Marketing, then geo-model fit times for 20/50/100 geos (docs/benchmarks.md)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_geo.py --mode speed

docs-config: install  # regenerate docs/config.md's options table and docs/mmm-bayes.schema.json
	$(BIN)/python -m mmm_bayes.config.docs

bench-optimize: install
	$(BIN)/python benchmarks/bench_optimize.py

bench-calibration: install  # ROAS errors without and with a lift test (docs/calibration.md)
	$(BIN)/python benchmarks/bench_calibration.py --seeds 1 2 3

bench-priors: install  # default-prior candidates: ROAS on the example data and 20 baseline seeds (docs/benchmarks.md)
	$(BIN)/python benchmarks/bench_priors.py --seeds 20

bench-geo: install  # geo fit times + recovery: national/geo ROAS, random-walk bands (docs/geo.md)
	$(BIN)/python benchmarks/bench_geo.py --mode all

bench-forecast: install  # ROAS with and without a past-forecast control (docs/granular.md)
	$(BIN)/python benchmarks/bench_forecast.py --seeds 1 2

bench-replicates: install  # ROAS accuracy vs PyMC-Marketing over 20 redraws of the example data (docs/benchmarks.md)
	$(BIN)/python benchmarks/bench_replicates.py --replicates 20

validate: install  # slow (about 17 min on 2 cores): recovery on every scenario + SBC -> docs/validation.md
	$(BIN)/python -m mmm_bayes.validation --preset full --out docs --fresh

sbc: install  # only the SBC part of `make validate`, then rewrite docs/validation.md
	$(BIN)/python -m mmm_bayes.validation --preset full --out docs --skip-recovery

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache site
