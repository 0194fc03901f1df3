#!/usr/bin/env bash
# make test: lint, then every test (addon tests in Odoo through pytest-odoo, browser
# tours in headless Chromium, end-to-end JSON-RPC and packaging tests) on a fresh
# database cloned from a template whose web assets are already built.
set -euo pipefail
STEP=test
source "$(dirname "$0")/odoo.sh"
TEST_DB=${TEST_DB:-b2b_test}
E2E_DB="${TEST_DB}_e2e"
ACL_DB="${TEST_DB}_acl"
# The concurrency tests start two servers on a database of their own.
CONC_DB="${TEST_DB}_conc"
LOGDIR="$DATA_DIR/logs"
mkdir -p "$LOGDIR"

if [ "${SKIP_LINT:-}" = "" ]; then
    "$ROOT/tools/lint.sh"
fi

tmpl=$(template_db)
say "fresh database $TEST_DB from $tmpl; installing b2b_collections with its demo data"
clone_db "$tmpl" "$TEST_DB"
odoo -d "$TEST_DB" -i b2b_collections --stop-after-init --no-http --log-level=warn \
    >"$LOGDIR/install-$TEST_DB.log" 2>&1 || { tail -40 "$LOGDIR/install-$TEST_DB.log"; die "installing b2b_collections failed"; }
if grep -E " (ERROR|CRITICAL) |demo data failed to install" "$LOGDIR/install-$TEST_DB.log"; then
    die "the installation logged errors (see above)"
fi
clone_db "$TEST_DB" "$E2E_DB"
# the access matrix writes as every role: on its own copy
clone_db "$TEST_DB" "$ACL_DB"
clone_db "$TEST_DB" "$CONC_DB"

say "running the tests"
# TEST_PORT: the port of the test HTTP server (browser tours), so that runs on
# different databases can happen side by side.
if [ -n "${TEST_PORT:-}" ]; then
    RUN_CONF="$LOGDIR/odoo-$TEST_DB.conf"
    { cat "$CONF"; echo "http_port = $TEST_PORT"; } >"$RUN_CONF"
    CONF="$RUN_CONF"
fi
# Arguments narrow the run (make test ARGS="b2b_collections/tests/test_note.py -k promise").
PYTEST_ARGS=("$@")
[ ${#PYTEST_ARGS[@]} -gt 0 ] || PYTEST_ARGS=(b2b_collections tests)
export B2B_ODOO_CONF="$CONF" B2B_ODOO_BIN="$ODOO_BIN" B2B_E2E_DB="$E2E_DB" B2B_ACL_DB="$ACL_DB" B2B_CONC_DB="$CONC_DB" B2B_ROOT="$ROOT"
set +e
(cd "$ROOT" && "$VENV/bin/pytest" -p no:cacheprovider -rfEs \
    --odoo-config="$CONF" --odoo-database="$TEST_DB" --odoo-http --odoo-log-level=warn \
    "${PYTEST_ARGS[@]}") 2>&1 | tee "$LOGDIR/pytest-$TEST_DB.log"
rc=${PIPESTATUS[0]}
set -e
# Browser tests skip themselves (exit status 0) without Chromium or websocket-client:
# here that is a failure.
if grep -qE "Chrome executable not found|websocket-client module is not installed|Browser tests? (were )?skipped" "$LOGDIR/pytest-$TEST_DB.log"; then
    die "browser tests were skipped: install chromium and websocket-client (make setup does both)"
fi
[ "$rc" = 0 ] || die "tests failed (exit status $rc)"
say "all tests passed"
