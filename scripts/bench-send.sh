#!/usr/bin/env bash
# The send API's benchmark, start to end, in one run (see BENCHMARKS.md, "The send API"):
#   1. the plain callback figure, as bench.sh measures it: wxgate (safe mode, a keyword rule)
#      pinned to CPU 0, loaded from CPU 1 by `wxgate bench` with unique encrypted pushes at
#      128 connections;
#   2. sends accepted per second on SQLite (a file, WAL, synchronous = FULL: the default
#      durability): `wxgate bench --send` at 32 connections, unique template messages, 202s
#      counted; the gateway's fsyncs over its life (perf, when it can trace syscalls) per
#      message stored;
#   3. the same on PostgreSQL: a throwaway server on PORT+3 with its durable defaults
#      (fsync, synchronous_commit, full_page_writes on), pinned to the gateway's CPU; its WAL
#      fsyncs (pg_stat_wal.wal_sync) and the database's commits (pg_stat_database.xact_commit)
#      over the gateway's life, per message stored;
#      1 to 3 alternate ROUNDS times, each with a fresh server and store; the summary takes the
#      median of each ratio to the callback figure of the same round;
#   4. the sender's throughput, on each store: SENDER_MESSAGES messages accepted while the
#      account's send_rate is 1, the gateway restarted with send_rate = 10000 (once the first
#      instance's leases have lapsed) against a mock of WeChat's API that answers at once
#      (`wxgate bench-baseline --wechat`, on CPU 1), and the time from its start until every
#      message is `sent` in the store;
#   5. the callback again, with a full queue: the callback's config plus the send API's, the
#      outbox filled with FULL_QUEUE template messages by `wxgate bench --send`, its sender
#      at work (send_rate 20, the mock answering) all along, and the callback loaded as in 1
#      on that same gateway (1 and 5 alternate within each round; the summary compares the
#      round's two figures): the callback never waits on the outbox.
# During 2 and 3 the account's sender runs as in production (send_rate 20, the mock answering);
# its fsyncs and commits are in the counts.
# Prints a summary and writes it, with the raw JSON of each run, under target/bench/send/.
#
# Knobs (environment): DURATION=10s WARMUP=2s CONNECTIONS=128 (callback) SEND_CONNECTIONS=32
# ROUNDS=3 SEND_MESSAGES=400000 (prepared per send run) SENDER_MESSAGES=20000 FULL_QUEUE=50000
# SERVER_CPU=0
# LOAD_CPU=1 PORT=18190 (PORT+2: the mock; PORT+3: PostgreSQL). POSTGRES=0 skips PostgreSQL.
# BIN=path/to/wxgate uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-128}
SEND_CONNECTIONS=${SEND_CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
SEND_MESSAGES=${SEND_MESSAGES:-400000}
SENDER_MESSAGES=${SENDER_MESSAGES:-20000}
FULL_QUEUE=${FULL_QUEUE:-50000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-18190}
POSTGRES=${POSTGRES:-1}
MOCK_PORT=$((PORT + 2))
PG_PORT=$((PORT + 3))
CLIENT="shop:bench-client-secret-0123456789abcdef"

OUT=target/bench/send
mkdir -p "$OUT"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d)
pids=()
pg_ctl=() pg_data=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pg_data" ]; then "${pg_ctl[@]}" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${BIN:-}" ]; then
  echo "building the release binary..." >&2
  cargo build --release --locked >&2
  BIN=${CARGO_TARGET_DIR:-target}/release/wxgate
fi

server_pin=() load_pin=() pinning="not pinned (taskset missing or fewer than 2 CPUs)"
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c "$SERVER_CPU")
  load_pin=(taskset -c "$LOAD_CPU")
  pinning="gateway (and PostgreSQL) on CPU $SERVER_CPU, load tool and mock on CPU $LOAD_CPU (taskset)"
fi

ports=("$PORT" "$MOCK_PORT")
if [ "$POSTGRES" = 1 ]; then ports+=("$PG_PORT"); fi
for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use: set PORT to a free range (PORT, PORT+2, PORT+3)" >&2
    exit 1
  fi
done

wait_port() {
  for _ in $(seq 1 400); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on port $1" >&2
  return 1
}
field() { sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1" | head -1; }
num() { local value; value=$(field "$1" "$2"); echo "${value:-0}"; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

# The callback's config (bench.sh's), and the send API's: one account whose API is the mock,
# one client allowed to send for it; the store and the send rate given per run.
. scripts/bench-config.sh
write_bench_config "$work/callback.toml" "$PORT" "$work"
write_send_config() { # FILE DATABASE SEND_RATE
  cat >"$1" <<TOML
# The send benchmark's gateway: one account whose WeChat API is the mock, one client.
[server]
listen = "127.0.0.1:$PORT"
[storage]
database = "$2"

[[accounts]]
name = "bench"
appid = "wx1234567890abcdef"
token = "benchtoken"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
mode = "safe"
secret = "bench-app-secret"
api_base = "http://127.0.0.1:$MOCK_PORT"
send_rate = $3

[[clients]]
id = "${CLIENT%%:*}"
secret = "${CLIENT#*:}"
accounts = ["bench"]
scopes = ["send"]
TOML
}
write_send_config "$work/check.toml" "sqlite://$work/check.db" 20
"$BIN" check-config --config "$work/callback.toml" >&2
"$BIN" check-config --config "$work/check.toml" >&2

# The mock of WeChat's API, for the whole run.
"${load_pin[@]}" "$BIN" bench-baseline --wechat --listen "127.0.0.1:$MOCK_PORT" 2>"$work/mock.log" &
pids+=($!)
wait_port "$MOCK_PORT"
mock_calls() { curl -fsS "http://127.0.0.1:$MOCK_PORT/bench/calls"; }

# PostgreSQL: a throwaway server as tests/support/postgres.rs starts one, but durable.
psql_() { psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
pg_version=""
if [ "$POSTGRES" = 1 ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$pg_bin" ] && command -v initdb >/dev/null; then pg_bin=$(dirname "$(command -v initdb)"); fi
  if [ -z "$pg_bin" ]; then
    echo "installing postgresql from the OS packages" >&2
    sudo=()
    if [ "$(id -u)" != 0 ]; then sudo=(sudo -n); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 \
      || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >/dev/null; }
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  as_pg=()
  pg_dir="$work/pg"
  mkdir -p "$pg_dir"
  if [ "$(id -u)" = 0 ]; then
    as_pg=(runuser -u postgres --)
    chown postgres: "$pg_dir"
    chmod 755 "$work"
  fi
  pg_data="$pg_dir/data"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C >"$work/initdb.log"
  pg_ctl=("${server_pin[@]}" "${as_pg[@]}" "$pg_bin/pg_ctl")
  "${pg_ctl[@]}" -D "$pg_data" -l "$pg_dir/postgres.log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $pg_dir -c max_connections=200" start >&2
  pg_version=$(psql_ -d postgres -c "SHOW server_version")
  echo "PostgreSQL $pg_version on port $PG_PORT: fsync $(psql_ -d postgres -c 'SHOW fsync'), synchronous_commit $(psql_ -d postgres -c 'SHOW synchronous_commit')" >&2
fi
fresh_pg() { # a new database; its URL
  local name
  name="wxgate_bench_$(date +%s%N)"
  psql_ -d postgres -c "CREATE DATABASE $name" >/dev/null
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$name"
}
pg_stats() { # DB: commits of the database and WAL fsyncs of the server so far
  # Backends report their counts when they end, and at most once a second while they run.
  sleep 1
  psql_ -d "$1" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'), (SELECT wal_sync FROM pg_stat_wal)" | tr '|' ' '
}

# fsyncs, traced machine-wide with perf while a gateway lives, then those of its process
# counted.
perf_ok=0
if command -v perf >/dev/null \
  && perf stat -a -e syscalls:sys_enter_fdatasync -e syscalls:sys_enter_fsync -- true >/dev/null 2>&1; then
  perf_ok=1
fi
perf_pid=""
trace_start() {
  perf_pid=""
  if [ "$perf_ok" = 1 ]; then
    perf record -q -a -e syscalls:sys_enter_fdatasync -e syscalls:sys_enter_fsync \
      -o "$work/perf.data" 2>>"$OUT/perf.log" &
    perf_pid=$!
    sleep 0.5
  fi
}
traced="n/a"
trace_stop() { # PID: $traced = the fsyncs and fdatasyncs of process PID (its threads included)
  # Not in a subshell: perf is this shell's child, and has to be waited for.
  traced="n/a"
  if [ -z "$perf_pid" ]; then return; fi
  kill -TERM "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  if perf script -i "$work/perf.data" -F comm,pid >"$work/perf.txt" 2>>"$OUT/perf.log"; then
    traced=$(awk -v pid="$1" '$NF == pid { n++ } END { print n + 0 }' "$work/perf.txt")
  fi
}

# The stored messages of a run, by status.
stored() { # DATABASE-URL WHERE
  case $1 in
    sqlite://*) sqlite3 "${1#sqlite://}" "SELECT count(*) FROM outbox_messages WHERE $2" ;;
    *) psql_ -d "${1##*/}" -c "SELECT count(*) FROM outbox_messages WHERE $2" ;;
  esac
}

start_gateway() { # CONFIG LOG: starts it pinned; its pid in $gateway
  "${server_pin[@]}" "$BIN" serve --config "$1" 2>"$2" &
  gateway=$!
  pids+=("$gateway")
  wait_port "$PORT"
}

run_callback() { # JSON
  start_gateway "$work/callback.toml" "$work/callback.log"
  sleep 1
  "${load_pin[@]}" "$BIN" bench --config "$work/callback.toml" --account bench \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
    --server-pid "$gateway" --json >"$1"
  stop "$gateway"
}

# The callback's config with the send API's added: the same account, now also able to send
# (its API the mock, send_rate 20), and the client.
write_full_config() { # FILE DIR
  write_bench_config "$1" "$PORT" "$2"
  sed -i "/^mode = \"safe\"/a secret = \"bench-app-secret\"\napi_base = \"http://127.0.0.1:$MOCK_PORT\"\nsend_rate = 20" "$1"
  cat >>"$1" <<TOML

[[clients]]
id = "${CLIENT%%:*}"
secret = "${CLIENT#*:}"
accounts = ["bench"]
scopes = ["send"]
TOML
}

run_callback_full() { # JSON: the callback's figure on a gateway whose outbox is full
  local dir="$work/full"
  rm -rf "$dir" && mkdir -p "$dir"
  write_full_config "$work/full.toml" "$dir"
  start_gateway "$work/full.toml" "$work/full.log"
  "${load_pin[@]}" "$BIN" bench --config "$work/full.toml" --account bench --send \
    --client "$CLIENT" --connections "$SEND_CONNECTIONS" --requests "$FULL_QUEUE" \
    --json >"$1.fill"
  local before after
  before=$(stored "sqlite://$dir/wxgate.db" "status IN ('queued', 'sending')")
  "${load_pin[@]}" "$BIN" bench --config "$work/full.toml" --account bench \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
    --server-pid "$gateway" --json >"$1"
  after=$(stored "sqlite://$dir/wxgate.db" "status IN ('queued', 'sending')")
  stop "$gateway"
  # Queued before and after the load, and sent meanwhile.
  echo "$before $after $(stored "sqlite://$dir/wxgate.db" "status = 'sent'")" >"$1.queue"
}

run_accept() { # BACKEND JSON: sends accepted per second; fsyncs and commits per message
  local backend=$1 json=$2 database db
  if [ "$backend" = sqlite ]; then
    rm -f "$work"/send.db*
    database="sqlite://$work/send.db"
  else
    database=$(fresh_pg)
  fi
  db=${database##*/}
  write_send_config "$work/send.toml" "$database" 20
  local before="0 0" after="0 0" fsyncs="n/a" messages
  if [ "$backend" = postgres ]; then before=$(pg_stats "$db"); fi
  trace_start
  start_gateway "$work/send.toml" "$work/send-$backend.log"
  sleep 1
  "${load_pin[@]}" "$BIN" bench --config "$work/send.toml" --account bench --send \
    --client "$CLIENT" --connections "$SEND_CONNECTIONS" --duration "$DURATION" \
    --warmup "$WARMUP" --messages "$SEND_MESSAGES" --server-pid "$gateway" --json >"$json"
  stop "$gateway"
  trace_stop "$gateway"
  if [ "$backend" = sqlite ]; then
    fsyncs=$traced
  else
    after=$(pg_stats "$db")
  fi
  # Every message stored (the warm-up's and the probe's included) against the fsyncs and
  # commits of the gateway's whole life.
  messages=$(stored "$database" "1 = 1")
  read -r c0 w0 <<<"$before"
  read -r c1 w1 <<<"$after"
  if [ "$backend" = postgres ]; then fsyncs=$((w1 - w0)); fi
  echo "$messages $fsyncs $((c1 - c0))" >"$json.store"
}

run_sender() { # BACKEND FILE: the sender's throughput to the mock; a line of figures in FILE
  local backend=$1 file=$2 database
  if [ "$backend" = sqlite ]; then
    rm -f "$work"/sender.db*
    database="sqlite://$work/sender.db"
  else
    database=$(fresh_pg)
  fi
  write_send_config "$work/sender.toml" "$database" 1
  start_gateway "$work/sender.toml" "$work/sender-fill-$backend.log"
  "${load_pin[@]}" "$BIN" bench --config "$work/sender.toml" --account bench --send \
    --client "$CLIENT" --connections "$SEND_CONNECTIONS" --requests "$SENDER_MESSAGES" \
    --json >"$OUT/sender-fill-$backend.json"
  stop "$gateway"
  # The filling instance claimed a batch it had no rate to send; a stopped instance's claims
  # are another's once their lease lapses (30 s).
  echo "waiting for the filling instance's leases to lapse..." >&2
  while [ "$(stored "$database" "lease_until_ms > $(date +%s%3N)")" != 0 ]; do sleep 1; done
  local queued calls0 started ready done_at left calls1 sent fsyncs="n/a" before="0 0" after="0 0"
  queued=$(stored "$database" "status IN ('queued', 'sending')")
  write_send_config "$work/sender.toml" "$database" 10000
  calls0=$(mock_calls)
  if [ "$backend" = postgres ]; then before=$(pg_stats "${database##*/}"); fi
  trace_start
  started=$(now)
  start_gateway "$work/sender.toml" "$work/sender-$backend.log"
  ready=$(now)
  while :; do
    left=$(stored "$database" "status IN ('queued', 'sending')")
    if [ "$left" = 0 ]; then break; fi
    if awk "BEGIN { exit !($(now) - $started > 600) }"; then
      echo "the sender did not finish in 10 minutes ($left left)" >&2
      break
    fi
    sleep 0.1
  done
  done_at=$(now)
  calls1=$(mock_calls)
  stop "$gateway"
  trace_stop "$gateway"
  if [ "$backend" = sqlite ]; then
    fsyncs=$traced
  else
    after=$(pg_stats "${database##*/}")
  fi
  read -r c0 w0 <<<"$before"
  read -r c1 w1 <<<"$after"
  if [ "$backend" = postgres ]; then fsyncs=$((w1 - w0)); fi
  sent=$(stored "$database" "status = 'sent'")
  # queued, seconds from start to none left, seconds of start-up, mock calls, sent in all,
  # fsyncs and commits of the gateway's life
  echo "$queued $(awk "BEGIN { print $done_at - $started }") $(awk "BEGIN { print $ready - $started }") $((calls1 - calls0)) $sent $fsyncs $((c1 - c0))" >"$file"
}

backends=(sqlite)
if [ "$POSTGRES" = 1 ]; then backends+=(postgres); fi
rm -f "$OUT"/*.json "$OUT"/*.store "$OUT"/*.figures "$OUT/perf.log"
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round/$ROUNDS: callback (safe mode, unique pushes, $CONNECTIONS connections)" >&2
  run_callback "$OUT/callback-$round.json"
  echo "== round $round/$ROUNDS: callback with $FULL_QUEUE messages queued, the sender at work" >&2
  run_callback_full "$OUT/callback-full-$round.json"
  for backend in "${backends[@]}"; do
    echo "== round $round/$ROUNDS: sends accepted on $backend ($SEND_CONNECTIONS connections)" >&2
    run_accept "$backend" "$OUT/accept-$backend-$round.json"
  done
done
for backend in "${backends[@]}"; do
  echo "== sender on $backend: $SENDER_MESSAGES messages to the mock at send_rate 10000" >&2
  run_sender "$backend" "$OUT/sender-$backend.figures"
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rps() { num "$1" requests_per_sec; }
per() { # A B [DECIMALS]: A / B, or n/a
  awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (a != "n/a" && b != "n/a" && b + 0 > 0) printf "%.*f", d, a / b; else print "n/a" }'
}
{
  echo "wxgate send benchmark, $stamp"
  echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "set-up: $pinning; callback $CONNECTIONS connections, sends $SEND_CONNECTIONS; $WARMUP warm-up + $DURATION measured"
  echo "stores: SQLite file (WAL, synchronous FULL)${pg_version:+; PostgreSQL $pg_version (fsync on, synchronous_commit on)}"
  echo "rounds: $ROUNDS, callback then each store; the summary takes the median of each figure"
  for round in $(seq 1 "$ROUNDS"); do
    cb=$(rps "$OUT/callback-$round.json")
    line=$(printf '  round %d: callback %7.0f req/s' "$round" "$cb")
    for backend in "${backends[@]}"; do
      a=$(rps "$OUT/accept-$backend-$round.json")
      line+=$(printf ', %s %6.0f sends/s (%4.1f %%)' "$backend" "$a" "$(awk "BEGIN { print 100 * $a / $cb }")")
    done
    echo "$line"
  done
  echo
  cb_median=$(for r in $(seq 1 "$ROUNDS"); do rps "$OUT/callback-$r.json"; done | median)
  cb_bad=$(for r in $(seq 1 "$ROUNDS"); do
    echo $(($(num "$OUT/callback-$r.json" non_200) + $(num "$OUT/callback-$r.json" errors)))
  done | awk '{ s += $1 } END { print s + 0 }')
  printf '%-46s %8.0f req/s   (non-200/errors in all rounds: %s)\n' \
    "callback (safe mode, unique pushes, rule reply)" "$cb_median" "$cb_bad"
  # The same load with the outbox full and its sender at work, round by round.
  for r in $(seq 1 "$ROUNDS"); do
    read -r q0 q1 sent <"$OUT/callback-full-$r.json.queue"
    printf '    round %d: empty outbox %7.0f req/s p50 %.2f ms p99 %.2f ms; %d queued %7.0f req/s p50 %.2f ms p99 %.2f ms (%5.1f %%), %d queued after, %d sent\n' \
      "$r" "$(rps "$OUT/callback-$r.json")" "$(num "$OUT/callback-$r.json" p50)" "$(num "$OUT/callback-$r.json" p99)" \
      "$q0" "$(rps "$OUT/callback-full-$r.json")" "$(num "$OUT/callback-full-$r.json" p50)" "$(num "$OUT/callback-full-$r.json" p99)" \
      "$(awk "BEGIN { print 100 * $(rps "$OUT/callback-full-$r.json") / $(rps "$OUT/callback-$r.json") }")" "$q1" "$sent"
  done
  full_ratio=$(for r in $(seq 1 "$ROUNDS"); do
    awk "BEGIN { print 100 * $(rps "$OUT/callback-full-$r.json") / $(rps "$OUT/callback-$r.json") }"
  done | median)
  full_bad=$(for r in $(seq 1 "$ROUNDS"); do
    echo $(($(num "$OUT/callback-full-$r.json" non_200) + $(num "$OUT/callback-full-$r.json" errors)))
  done | awk '{ s += $1 } END { print s + 0 }')
  printf '%-46s %8.1f %% of the empty-outbox figure (median of rounds; non-200/errors %s)\n' \
    "callback with a full outbox" "$full_ratio" "$full_bad"
  for backend in "${backends[@]}"; do
    a_median=$(for r in $(seq 1 "$ROUNDS"); do rps "$OUT/accept-$backend-$r.json"; done | median)
    ratio=$(for r in $(seq 1 "$ROUNDS"); do
      awk "BEGIN { print 100 * $(rps "$OUT/accept-$backend-$r.json") / $(rps "$OUT/callback-$r.json") }"
    done | median)
    p99=$(for r in $(seq 1 "$ROUNDS"); do num "$OUT/accept-$backend-$r.json" p99; done | median)
    p50=$(for r in $(seq 1 "$ROUNDS"); do num "$OUT/accept-$backend-$r.json" p50; done | median)
    cpu_us=$(for r in $(seq 1 "$ROUNDS"); do num "$OUT/accept-$backend-$r.json" server_cpu_us_per_request; done | median)
    bad=$(for r in $(seq 1 "$ROUNDS"); do
      echo $(($(num "$OUT/accept-$backend-$r.json" non_202) + $(num "$OUT/accept-$backend-$r.json" errors)))
    done | awk '{ s += $1 } END { print s + 0 }')
    printf '%-46s %8.0f sends/s %5.1f %% of the callback  p50 %.2f ms  p99 %.2f ms  non-202/errors %s\n' \
      "accepted (202, stored) on $backend" "$a_median" "$ratio" "$p50" "$p99" "$bad"
    printf '%-46s %8.1f us gateway CPU per send\n' "" "$cpu_us"
    # Group commit: fsyncs and commits per message stored, every round.
    for r in $(seq 1 "$ROUNDS"); do
      read -r messages fsyncs commits <"$OUT/accept-$backend-$r.json.store"
      if [ "$backend" = sqlite ]; then
        printf '    round %d: %d messages stored, %s fsyncs by the gateway: %s messages per fsync\n' \
          "$r" "$messages" "$fsyncs" "$(per "$messages" "$fsyncs")"
      else
        printf '    round %d: %d messages stored, %s WAL fsyncs: %s messages per fsync; %s commits (the sender'"'"'s included): %s messages per commit\n' \
          "$r" "$messages" "$fsyncs" "$(per "$messages" "$fsyncs")" "$commits" "$(per "$messages" "$commits")"
      fi
    done
  done
  echo
  for backend in "${backends[@]}"; do
    read -r queued secs startup calls sent fsyncs commits <"$OUT/sender-$backend.figures"
    rate=$(awk "BEGIN { print $queued / $secs }")
    printf '%-46s %8.0f msgs/s  %5.1f %% of the callback\n' \
      "sender on $backend (mock answering at once)" "$rate" "$(awk "BEGIN { print 100 * $rate / $cb_median }")"
    printf '    %d queued messages all sent %.2f s after the gateway started (%.2f s of it until it listened); %d calls to the mock, %d sent in all; %s fsyncs (%s per message)' \
      "$queued" "$secs" "$startup" "$calls" "$sent" "$fsyncs" "$(per "$fsyncs" "$queued" 2)"
    if [ "$backend" = postgres ]; then printf ', %s commits (%s per message)' "$commits" "$(per "$commits" "$queued" 2)"; fi
    echo
  done
  if [ "$perf_ok" != 1 ]; then
    echo "(fsyncs not counted: perf cannot trace syscalls here)"
  fi
} | tee "$OUT/results-$stamp.txt"
cp "$OUT/results-$stamp.txt" "$OUT/results.txt"
echo "written: $OUT/results.txt (and the runs' JSON beside it)" >&2
