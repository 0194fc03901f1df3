#!/usr/bin/env bash
# make bench-agency: attribution of payments to agency placements (5,000 placements,
# 50,000 payments by default) and commission billing. See docs/benchmarks.md.
#
#   b2b_bench_agency   scratch database: the template with b2b_collections installed,
#                      dropped at the end (BENCH_KEEP=1 keeps it)
# Arguments go to bench/bench_agency.py (e.g. --placements 500 --payments 5000 --bill).
set -euo pipefail
STEP=bench-agency
# shellcheck source=../tools/odoo.sh
source "$(dirname "$0")/../tools/odoo.sh"
RUN=b2b_bench_agency
LOGDIR="$DATA_DIR/logs"
OUT="$ROOT/bench/out"
mkdir -p "$LOGDIR" "$OUT"

tmpl=$(template_db)
say "installing b2b_collections_agency on a scratch copy of $tmpl ($RUN)"
clone_db "$tmpl" "$RUN"
cleanup() { [ "${BENCH_KEEP:-}" = 1 ] || drop_db "$RUN"; }
trap cleanup EXIT
odoo -d "$RUN" -i b2b_collections_agency --stop-after-init --no-http \
    --log-level=warn >"$LOGDIR/bench-agency-install.log" 2>&1 \
    || { tail -30 "$LOGDIR/bench-agency-install.log"; die "installing b2b_collections_agency failed"; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
say "measuring on $RUN"
"$PY" "$ROOT/bench/bench_agency.py" -c "$CONF" -d "$RUN" \
    --json "$OUT/bench-agency-$stamp.json" "$@" 2>&1 | tee "$OUT/bench-agency-$stamp.txt"
say "results: $OUT/bench-agency-$stamp.txt"
