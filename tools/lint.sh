#!/usr/bin/env bash
# ruff (lint + format check) and pylint-odoo on the addon and the repo's Python.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tools/.env"
cd "$ROOT"
if [ "${1:-}" = --fix ]; then
    "$LINT_VENV/bin/ruff" check --fix . && "$LINT_VENV/bin/ruff" format .
    exit 0
fi
echo "[lint] ruff"
"$LINT_VENV/bin/ruff" check .
"$LINT_VENV/bin/ruff" format --check .
echo "[lint] pylint-odoo"
"$LINT_VENV/bin/pylint" --rcfile=.pylintrc b2b_collections
