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
# The base addon alone, so that no hidden dependency on a feature addon creeps in.
BASE_DB="${TEST_DB}_base"
LOGDIR="$DATA_DIR/logs"
mkdir -p "$LOGDIR"

if [ "${SKIP_LINT:-}" = "" ]; then
    "$ROOT/tools/lint.sh"
fi

# install <db> <addons>: a fresh database from the template, the addons with their demo
install() {
    clone_db "$tmpl" "$1"
    odoo -d "$1" -i "$2" --stop-after-init --no-http --log-level=warn \
        >"$LOGDIR/install-$1.log" 2>&1 || { tail -40 "$LOGDIR/install-$1.log"; die "installing $2 in $1 failed"; }
    if grep -E " (ERROR|CRITICAL) |demo data failed to install" "$LOGDIR/install-$1.log"; then
        die "the installation of $2 in $1 logged errors (see above)"
    fi
}

tmpl=$(template_db)
say "fresh database $TEST_DB from $tmpl; installing $TEST_ADDONS with their demo data"
install "$TEST_DB" "$TEST_ADDONS"
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
FULL_RUN=
if [ ${#PYTEST_ARGS[@]} = 0 ]; then
    FULL_RUN=1
    IFS=, read -r -a PYTEST_ARGS <<<"$TEST_ADDONS"
    PYTEST_ARGS+=(tests)
fi
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
if [ -n "$FULL_RUN" ]; then
    say "the base addon alone: installing b2b_collections in $BASE_DB and running its tests"
    install "$BASE_DB" b2b_collections
    (cd "$ROOT" && "$VENV/bin/pytest" -p no:cacheprovider -rfEs \
        --odoo-config="$CONF" --odoo-database="$BASE_DB" --odoo-http --odoo-log-level=warn \
        b2b_collections) 2>&1 | tee "$LOGDIR/pytest-$BASE_DB.log"
    [ "${PIPESTATUS[0]}" = 0 ] || die "the tests of the base addon alone failed"
fi
say "all tests passed"
