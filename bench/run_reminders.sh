#!/usr/bin/env bash
# make bench-reminders: measure the reminder engine (planning and full runs, with and
# without PDFs) on a generated ledger. See docs/benchmarks-reminders.md.
#
#   b2b_bench_<N>        the ledger (built by `make bench BENCH_INVOICES=<N>`)
#   b2b_bench_rem_<N>    scratch clone measured, with b2b_collections upgraded to the
#                        working tree, dropped at the end (BENCH_KEEP=1 keeps it)
#
# An Odoo HTTP server is started on the clone (port BENCH_HTTP_PORT, 8169 by default)
# for the CSS that wkhtmltopdf loads, and stopped at the end.
# BENCH_INVOICES (20000), BENCH_REM_TODAY (2026-11-02, a Monday), BENCH_REPEAT (5).
# Arguments go to bench/bench_reminders.py (e.g. --sizes 25,50,100 --modes nopdf).
set -euo pipefail
STEP=bench-reminders
# shellcheck source=../tools/odoo.sh
source "$(dirname "$0")/../tools/odoo.sh"
N=${BENCH_INVOICES:-20000}
TODAY=${BENCH_REM_TODAY:-2026-11-02}
REPEAT=${BENCH_REPEAT:-5}
PORT=${BENCH_HTTP_PORT:-8169}
LEDGER="b2b_bench_$N"
RUN="b2b_bench_rem_$N"
LOGDIR="$DATA_DIR/logs"
OUT="$ROOT/bench/out"
mkdir -p "$LOGDIR" "$OUT"

db_exists "$LEDGER" && [ -n "$(psql -X -d "$LEDGER" -tAc "select 1 from ir_config_parameter where key = 'b2b.bench.ledger'")" ] \
    || die "no complete ledger $LEDGER: build it with 'make bench BENCH_INVOICES=$N' first"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then :; else
    die "port $PORT is in use: set BENCH_HTTP_PORT"
fi

say "cloning $LEDGER into $RUN and upgrading b2b_collections, installing b2b_collections_reminder (working tree)"
clone_db "$LEDGER" "$RUN"
odoo -d "$RUN" -u b2b_collections -i b2b_collections_reminder --stop-after-init --no-http --log-level=warn \
    >"$LOGDIR/bench-rem-upgrade.log" 2>&1 \
    || { tail -30 "$LOGDIR/bench-rem-upgrade.log"; die "upgrading b2b_collections failed"; }
psql -X -q -d "$RUN" -c "ANALYZE"

say "starting an HTTP server on $RUN, port $PORT (report CSS for wkhtmltopdf)"
"$PY" "$ODOO_BIN" -c "$CONF" -d "$RUN" --db-filter "^$RUN\$" --http-port "$PORT" \
    --workers 0 --max-cron-threads 0 --log-level=warn >"$LOGDIR/bench-rem-http.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    [ "${BENCH_KEEP:-}" = 1 ] || drop_db "$RUN"
}
trap cleanup EXIT
for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/web/login" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { tail -30 "$LOGDIR/bench-rem-http.log"; die "the HTTP server died"; }
    sleep 1
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
say "measuring on $RUN (reminders on $TODAY)"
"$PY" "$ROOT/bench/bench_reminders.py" -c "$CONF" -d "$RUN" --today "$TODAY" \
    --repeat "$REPEAT" --base-url "http://127.0.0.1:$PORT" \
    --json "$OUT/bench-reminders-$N-$stamp.json" "$@" 2>&1 \
    | tee "$OUT/bench-reminders-$N-$stamp.txt"
say "results: $OUT/bench-reminders-$N-$stamp.txt"
