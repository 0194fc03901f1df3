#!/usr/bin/env bash
# make lint: ruff (lint + format check) on the repository's Python, then OCA's checks
# on every addon (product addons and test_b2b_collections): pylint-odoo with OCA's
# mandatory messages, oca-checks-odoo-module (manifests, XML, CSV), oca-checks-po
# (the i18n templates) and prettier on the XML.
# make format (--fix): ruff's fixes and formatting, the oca fixes, prettier on the XML.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tools/.env"
cd "$ROOT"
LINT="$LINT_VENV/bin"
PRETTIER="$ROOT/node_modules/.bin/prettier"
[ -x "$PRETTIER" ] || { echo "[lint] prettier is not installed: run make setup" >&2; exit 1; }
# Every addon: a folder of the repository with an Odoo manifest.
mapfile -t ADDON_DIRS < <(for m in */__manifest__.py; do dirname "$m"; done)
mapfile -t PO_FILES < <(find "${ADDON_DIRS[@]}" -path '*/i18n/*' \( -name '*.po' -o -name '*.pot' \) | sort)
# OCA's own setting: the .pot files are Odoo's export, not reformatted by hand.
PO_ARGS=(--disable=po-pretty-format)

if [ "${1:-}" = --fix ]; then
    "$LINT/ruff" check --fix . && "$LINT/ruff" format .
    # (what they cannot fix, make lint reports)
    "$LINT/oca-checks-odoo-module" --fix --no-verbose "${ADDON_DIRS[@]}" || true
    [ ${#PO_FILES[@]} = 0 ] || "$LINT/oca-checks-po" --fix --no-verbose "${PO_ARGS[@]}" "${PO_FILES[@]}" || true
    "$PRETTIER" --log-level=warn --write "**/*.xml"
    exit 0
fi
echo "[lint] ruff"
"$LINT/ruff" check .
"$LINT/ruff" format --check .
echo "[lint] pylint-odoo: ${ADDON_DIRS[*]}"
"$LINT/pylint" --rcfile=.pylintrc "${ADDON_DIRS[@]}"
echo "[lint] oca-checks-odoo-module"
"$LINT/oca-checks-odoo-module" "${ADDON_DIRS[@]}"
if [ ${#PO_FILES[@]} != 0 ]; then
    echo "[lint] oca-checks-po: ${#PO_FILES[@]} files"
    "$LINT/oca-checks-po" "${PO_ARGS[@]}" "${PO_FILES[@]}"
fi
echo "[lint] prettier (XML)"
"$PRETTIER" --log-level=warn --check "**/*.xml"
