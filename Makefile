# b2b_collections: `make run` serves the demo, `make test` runs lint and every test.
# Both set everything up first (idempotent). See README.md.
SHELL := /bin/bash
export DB ?= b2b_demo
export PORT ?= 8069
export TEST_DB ?= b2b_test
export BENCH_INVOICES ?= 20000

.PHONY: help setup run test lint format pot stop wheel security-doc bench bench-reminders bench-aging bench-agency bench-risk clean

help:
	@echo "make run    - set up, then serve Odoo with b2b_collections and demo data on http://localhost:$(PORT)"
	@echo "make test   - set up, lint, then run every test on a fresh database"
	@echo "make lint   - ruff, pylint-odoo, the OCA module and .pot checks, prettier on the XML"
	@echo "make format - ruff format + fixes, the oca fixes, prettier on the XML"
	@echo "make pot    - regenerate each addon's i18n/<addon>.pot (after changing a translatable string)"
	@echo "make wheel  - build a wheel of every addon into dist/"
	@echo "make security-doc - regenerate the access matrix in docs/security.md"
	@echo "make bench  - benchmark the worklist, totals and aging refresh on a generated ledger"
	@echo "              of BENCH_INVOICES invoices (default 20000; the ledger is built once: ~30 min)"
	@echo "make bench-reminders - benchmark the reminder engine (and see docs/benchmarks.md for OCA)"
	@echo "make bench-aging - benchmark the aging (pivot, wizard data, XLSX) against an SQL floor (BENCH_OCA=1: and OCA)"
	@echo "make bench-risk - benchmark the risk refresh (features, fit, scoring) on 100,000 invoices of 2,000 customers"
	@echo "make bench-agency - benchmark the attribution of 50,000 payments to 5,000 agency placements"
	@echo "make stop   - stop the private PostgreSQL cluster, if one was started"
	@echo "make clean  - drop the demo/test databases (the cached Odoo and venv stay)"

setup:
	@tools/setup.sh

run: setup
	@tools/run.sh

test: setup
	@tools/test.sh $(ARGS)

lint: setup
	@tools/lint.sh

format: setup
	@tools/lint.sh --fix

pot: setup
	@tools/pot.sh

security-doc: setup
	@B2B_WRITE_SECURITY_DOC=1 tools/test.sh tests/test_e2e_access.py -k security_doc

wheel: setup
	@source tools/.env && rm -rf dist && for addon in b2b_collections*/; do "$$VENV/bin/pip" wheel -q --no-deps --no-build-isolation -w dist "./$$addon" || exit 1; done && ls dist

bench: setup
	@bench/run.sh $(ARGS)

bench-reminders: setup
	@bench/run_reminders.sh $(ARGS)

bench-aging: setup
	@bench/run_aging.sh $(ARGS)

bench-agency: setup
	@bench/run_agency.sh $(ARGS)

bench-risk: setup
	@bench/run_risk.sh $(ARGS)

stop:
	@tools/stop.sh

clean: setup
	@source tools/odoo.sh && for db in "$(DB)" "$(TEST_DB)" "$(TEST_DB)_e2e" "$(TEST_DB)_acl" "$(TEST_DB)_conc" "$(TEST_DB)_base"; do drop_db "$$db"; done
