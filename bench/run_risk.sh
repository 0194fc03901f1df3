#!/usr/bin/env bash
# make bench-risk: the nightly risk refresh (features, fit, validation, scoring,
# storage) on 100,000 invoices of 2,000 customers. See docs/benchmarks.md and
# docs/risk.md.
#
#   b2b_bench_risk_10000    10,000 invoices of 200 customers generated through the
#                           ORM (bench/generate_ledger.py, once, cached: ~25 min)
#   b2b_bench_risk_100000   the same, replicated 10 times in SQL (2,000 customers),
#                           with the risk addon installed (cached)
# BENCH_TODAY (2026-11-01), BENCH_SEED (42), BENCH_REPEAT (3),
# BENCH_COPIES (10: 100,000 invoices).
set -euo pipefail
STEP=bench-risk
# shellcheck source=../tools/odoo.sh
source "$(dirname "$0")/../tools/odoo.sh"
TODAY=${BENCH_TODAY:-2026-11-01}
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-3}
COPIES=${BENCH_COPIES:-10}
BASE=b2b_bench_base
SMALL=b2b_bench_risk_10000
BIG="b2b_bench_risk_$((COPIES * 10000))"
LOGDIR="$DATA_DIR/logs"
OUT="$ROOT/bench/out"
mkdir -p "$LOGDIR" "$OUT"

param() {  # param <db> <key>
    psql -X -d "$1" -tAc "select value from ir_config_parameter where key = '$2'" 2>/dev/null || true
}

if ! db_exists "$SMALL" || [ -z "$(param "$SMALL" b2b.bench.ledger)" ]; then
    if ! db_exists "$BASE"; then
        say "building $BASE: b2b_collections without demo data"
        odoo -d "$BASE" -i b2b_collections --without-demo=all --stop-after-init --no-http \
            --log-level=warn >"$LOGDIR/bench-base.log" 2>&1 \
            || { tail -30 "$LOGDIR/bench-base.log"; die "installing b2b_collections failed"; }
    fi
    say "generating 10,000 invoices of 200 customers into $SMALL through the ORM (~25 min)"
    clone_db "$BASE" "$SMALL"
    "$PY" "$ROOT/bench/generate_ledger.py" -c "$CONF" -d "$SMALL" --invoices 10000 \
        --customers 200 --today "$TODAY" --seed "$SEED" 2>&1 | tee "$LOGDIR/bench-risk-generate.log"
    [ -n "$(param "$SMALL" b2b.bench.ledger)" ] || die "the generation failed"
fi
if ! db_exists "$BIG" || [ "$(param "$BIG" b2b.bench.risk)" != 1 ]; then
    say "replicating $SMALL $COPIES times into $BIG"
    clone_db "$SMALL" "$BIG"
    "$PY" "$ROOT/bench/replicate_ledger.py" -c "$CONF" -d "$BIG" --copies "$COPIES"
    say "installing the risk addon in $BIG"
    # -u: the ledger may have been generated with an older base addon
    odoo -d "$BIG" -u b2b_collections -i b2b_collections_risk --without-demo=all --stop-after-init --no-http \
        --log-level=warn >"$LOGDIR/bench-risk-install.log" 2>&1 \
        || { tail -30 "$LOGDIR/bench-risk-install.log"; die "installing b2b_collections_risk failed"; }
    psql -X -q -d "$BIG" -c "VACUUM (ANALYZE)"
    psql -X -q -d "$BIG" -c "insert into ir_config_parameter (key, value) values ('b2b.bench.risk', '1')"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
say "measuring the risk refresh on $BIG ($REPEAT repetitions)"
"$PY" "$ROOT/bench/bench_risk.py" -c "$CONF" -d "$BIG" --today "$TODAY" --repeat "$REPEAT" \
    --json "$OUT/bench-risk-$stamp.json" 2>&1 | tee "$OUT/bench-risk-$stamp.txt"
say "results: $OUT/bench-risk-$stamp.txt"
