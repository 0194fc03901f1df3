#!/usr/bin/env bash
# make bench-aging: measure the aging (pivot data, today and as of past dates), the
# Aged Receivables data and spreadsheet, and the KPI model on a generated ledger,
# next to a hand-written SQL floor. See docs/benchmarks-aging.md.
#
#   b2b_bench_<N>          the ledger (built by `make bench BENCH_INVOICES=<N>`)
#   b2b_bench_aging_<N>    scratch clone measured, b2b_collections upgraded to the
#                          working tree, dropped at the end (BENCH_KEEP=1 keeps it)
#   b2b_bench_afr_<N>      with BENCH_OCA=1: another clone with OCA's
#                          account_financial_report installed from its PyPI wheels
#                          (unpacked under $DATA_DIR/bench/oca-afr, never in the repo)
#
# BENCH_INVOICES (20000), BENCH_TODAY (2026-11-01), BENCH_REPEAT (5), BENCH_OCA=1,
# BENCH_REPLICATE=20000 (see below).
# Arguments go to bench/bench_aging.py (e.g. --past-days 90,365 --explain).
set -euo pipefail
STEP=bench-aging
# shellcheck source=../tools/odoo.sh
source "$(dirname "$0")/../tools/odoo.sh"
N=${BENCH_INVOICES:-20000}
TODAY=${BENCH_TODAY:-2026-11-01}
REPEAT=${BENCH_REPEAT:-5}
LEDGER="b2b_bench_$N"
RUN="b2b_bench_aging_$N"
AFR="b2b_bench_afr_$N"
LOGDIR="$DATA_DIR/logs"
OUT="$ROOT/bench/out"
mkdir -p "$LOGDIR" "$OUT"

# BENCH_REPLICATE=<M>: build the ledger of N invoices from the generated ledger of M
# (b2b_bench_<M>) copied N/M times in SQL (bench/replicate_ledger.py): minutes
# instead of hours through the ORM, same data shape.
if [ -n "${BENCH_REPLICATE:-}" ] && ! db_exists "$LEDGER"; then
    SOURCE="b2b_bench_$BENCH_REPLICATE"
    db_exists "$SOURCE" || die "no ledger $SOURCE to replicate"
    say "building $LEDGER: $SOURCE copied $((N / BENCH_REPLICATE)) times in SQL"
    clone_db "$SOURCE" "$LEDGER"
    "$PY" "$ROOT/bench/replicate_ledger.py" -c "$CONF" -d "$LEDGER" \
        --copies $((N / BENCH_REPLICATE)) || { drop_db "$LEDGER"; die "the replication failed"; }
    psql -X -q -d "$LEDGER" -c "VACUUM (ANALYZE)"
fi
db_exists "$LEDGER" && [ -n "$(psql -X -d "$LEDGER" -tAc "select 1 from ir_config_parameter where key = 'b2b.bench.ledger'")" ] \
    || die "no complete ledger $LEDGER: build it with 'make bench BENCH_INVOICES=$N' first"
cleanup() {
    [ "${BENCH_KEEP:-}" = 1 ] && return 0
    drop_db "$RUN"
    drop_db "$AFR"
}
trap cleanup EXIT

say "cloning $LEDGER into $RUN and upgrading b2b_collections (working tree)"
clone_db "$LEDGER" "$RUN"
odoo -d "$RUN" -u b2b_collections --stop-after-init --no-http --log-level=warn \
    >"$LOGDIR/bench-aging-upgrade.log" 2>&1 \
    || { tail -30 "$LOGDIR/bench-aging-upgrade.log"; die "upgrading b2b_collections failed"; }
psql -X -q -d "$RUN" -c "VACUUM (ANALYZE)"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
say "measuring on $RUN (bench today $TODAY, $REPEAT warm repetitions)"
"$PY" "$ROOT/bench/bench_aging.py" -c "$CONF" -d "$RUN" --today "$TODAY" \
    --repeat "$REPEAT" --json "$OUT/bench-aging-$N-$stamp.json" "$@" 2>&1 \
    | tee "$OUT/bench-aging-$N-$stamp.txt"
[ "${PIPESTATUS[0]}" = 0 ] || die "the benchmark failed (or a check did not pass)"
say "results: $OUT/bench-aging-$N-$stamp.txt"

[ "${BENCH_OCA:-}" = 1 ] || exit 0
OCA="$DATA_DIR/bench/oca-afr"
if [ ! -d "$OCA/odoo/addons/account_financial_report" ]; then
    say "downloading OCA's account_financial_report 18.0 (+ date_range, report_xlsx) into $OCA"
    rm -rf "$OCA" && mkdir -p "$OCA/wheels"
    "$PY" -m pip download -q --no-deps -d "$OCA/wheels" \
        'odoo-addon-account-financial-report>=18.0,<18.1' \
        'odoo-addon-date-range>=18.0,<18.1' 'odoo-addon-report-xlsx>=18.0,<18.1'
    for wheel in "$OCA"/wheels/*.whl; do
        "$PY" -m zipfile -e "$wheel" "$OCA"
    done
fi
sed "/^addons_path/s#\$#,$OCA/odoo/addons#" "$CONF" >"$OCA/odoo.conf"
say "cloning $LEDGER into $AFR and installing account_financial_report"
clone_db "$LEDGER" "$AFR"
CONF="$OCA/odoo.conf" odoo -d "$AFR" -u b2b_collections -i account_financial_report \
    --stop-after-init --no-http --log-level=warn >"$LOGDIR/bench-aging-afr.log" 2>&1 \
    || { tail -30 "$LOGDIR/bench-aging-afr.log"; die "installing account_financial_report failed"; }
psql -X -q -d "$AFR" -c "VACUUM (ANALYZE)"
say "measuring OCA's Aged Partner Balance on $AFR"
"$PY" "$ROOT/bench/bench_aging_oca.py" -c "$OCA/odoo.conf" -d "$AFR" --today "$TODAY" \
    --repeat "$REPEAT" --json "$OUT/bench-aging-oca-$N-$stamp.json" 2>&1 \
    | tee "$OUT/bench-aging-oca-$N-$stamp.txt"
