# Two commands do all set-up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app
STAMP := $(VENV)/.installed

.PHONY: run test install messages translations migrate demo serve scheduler clean e2e-deps audit

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d pm/translations

# Refresh the English catalogue after adding or changing UI text: extract every msgid from pm/ into a
# template, merge it into messages.po (new entries empty, changed ones fuzzy), then translate those. No source
# locations and sorted by message id, so moving code does not churn the catalogue and parallel work merges cleanly.
POT := $(or $(TMPDIR),/tmp)/pm-messages-$(shell echo $(CURDIR) | cksum | cut -d" " -f1).pot
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k counted:1,2 -k DomainError -k NotFound -k Forbidden -k Conflict --project=pm --no-wrap --no-location --sort-output -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d pm/translations -l en --no-wrap --ignore-obsolete
	rm -f $(POT)

migrate: install translations
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask pm demo --if-empty

# install, migrate, load the demo county once, serve on http://127.0.0.1:5000 with the scheduler. When that port is
# busy another free one is taken and printed; `make run PORT=8080` asks for a port.
PORT ?= 5000
FREE_PORT := import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); print(s.getsockname()[1])
run: demo
	@port=$$($(BIN)/python -c '$(FREE_PORT)' $(PORT) 2>/dev/null || $(BIN)/python -c '$(FREE_PORT)' 0); \
	if [ "$$port" != "$(PORT)" ]; then echo "port $(PORT) is busy: serving on http://127.0.0.1:$$port instead"; fi; \
	PM_EMBED_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port $$port --no-reload

# Two workers. PM_TEST_ALL_BACKENDS=1 make test runs every database test on PostgreSQL too, not only the tests
# marked postgres and the sample (tests/conftest.py). worksteal: a worker that runs out of tests takes half of the
# other's remaining ones, so the run does not end on one busy core. `make test PYTEST_ARGS=--cpu-durations=30`
# lists the tests that cost the most CPU time (independent of the machine's load, unlike --durations).
test: install translations
	$(BIN)/python -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

# Known vulnerabilities in every installed package (docs/security/dependency-audit.md). pip-audit lives in a venv
# of its own (its dependencies are not the app's); --strict fails when a package could not be checked, so an
# unreachable vulnerability database is an error, never a silent "no known vulnerabilities".
AUDIT_VENV := $(or $(TMPDIR),/tmp)/pm-audit-venv
audit: $(STAMP)
	test -x $(AUDIT_VENV)/bin/pip-audit || { $(PY) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check pip-audit==2.10.1; }
	$(BIN)/pip freeze --exclude-editable > $(AUDIT_VENV)/installed.txt
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $(AUDIT_VENV)/installed.txt

clean:
	rm -rf $(VENV) instance .pytest_cache
