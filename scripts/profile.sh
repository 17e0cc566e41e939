#!/usr/bin/env bash
# Instruction counts of the safe-mode hot path, per request, under callgrind: repeatable even on
# a busy machine, so before/after comparisons of an optimization do not depend on the noise.
#
# Starts the release binary under valgrind with the bench config of scripts/bench.sh, warms it
# up, zeroes the counters, pushes REQUESTS unique safe-mode text messages that hit the keyword
# rule, dumps the counters and prints the instructions per request and the functions with the
# highest inclusive cost. The dump stays in target/profile/ for callgrind_annotate or
# kcachegrind.
#
# TARGET=baseline profiles `wxgate bench-baseline` with the same requests instead: the HTTP
# floor, to compare with.
#
# Knobs: REQUESTS=20000 CONNECTIONS=32 PORT=18095 TOP=60 TARGET=wxgate|baseline
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-20000}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18095}
TOP=${TOP:-60}
TARGET=${TARGET:-wxgate}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

OUT=target/profile
mkdir -p "$OUT"
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked >&2
BIN=target/release/wxgate
. scripts/bench-config.sh
write_bench_config "$work/bench.toml" "$PORT" "$work"

dump="$OUT/callgrind.$TARGET.out"
rm -f "$dump"*
if [ "$TARGET" = baseline ]; then
  server_args=(bench-baseline --listen "127.0.0.1:$PORT")
else
  server_args=(serve --config "$work/bench.toml")
fi
valgrind --tool=callgrind --callgrind-out-file="$dump" "$BIN" "${server_args[@]}" \
  2>"$work/valgrind.log" &
server=$!
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
load() {
  "$BIN" bench --config "$work/bench.toml" --account bench --connections "$CONNECTIONS" \
    --timeout 60s --url "http://127.0.0.1:$PORT/wx/bench" --json "$@"
}
echo "warming up..." >&2
load --requests 2000 >/dev/null
callgrind_control -z "$server" >/dev/null
echo "measuring $REQUESTS requests..." >&2
load --requests "$REQUESTS" >"$OUT/load.json"
callgrind_control -d "$server" >/dev/null
sleep 1
measured=$(ls -t "$dump".* 2>/dev/null | head -1)
total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$measured" | head -1)
if [ -z "$total" ]; then
  total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$measured" | head -1)
fi
requests=$((REQUESTS + 1)) # and the probe
summary="$OUT/summary.$TARGET.txt"
echo "$TARGET: instructions per request: $((total / requests)) ($total over $requests requests)" \
  | tee "$summary"
callgrind_annotate --inclusive=yes --threshold=100 "$measured" 2>/dev/null \
  | sed -n '/file:function/,$p' | head -n "$TOP" | tee -a "$summary"
echo "dump: $measured" >&2
