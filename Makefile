# Everything a person runs often. The virtual environment lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format bench soak fuzz browser messages install lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## migrate, seed the demo county, serve on http://127.0.0.1:8000
	$(BIN)/jingmin demo

test: $(STAMP)  ## the whole suite (DATABASE_URL picks the database; SQLite by default)
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -x -m "not browser and not live"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## all benchmarks; figures appended to bench/RESULTS.md
	$(BIN)/python -m bench.run_all

browser: $(STAMP)  ## Playwright journeys in headless Debian chromium; failures leave screenshots in test-artifacts/
	$(BIN)/pytest -q -m browser tests/browser

soak: $(STAMP)
	$(BIN)/python -m tests.soak.run

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run

messages: $(STAMP)  ## refresh the translation catalogues after changing strings
	cd jingmin && DJANGO_SETTINGS_MODULE=jingmin.settings ../$(BIN)/django-admin makemessages -l en --ignore=migrations --ignore='*/tests/*'
	$(BIN)/jingmin compilemessages --ignore=.venv

lock:  ## re-resolve the pinned dependencies into requirements.lock
	rm -rf /tmp/jingmin-lock && $(PYTHON) -m venv /tmp/jingmin-lock
	/tmp/jingmin-lock/bin/pip install -q -e '.[dev]'
	( echo "# Locked by make lock"; /tmp/jingmin-lock/bin/pip freeze --exclude-editable ) > requirements.lock

clean:
	rm -rf $(VENV) var/jingmin.sqlite3*
