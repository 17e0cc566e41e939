# The benchmark's gateway config, shared by bench.sh and profile.sh (sourced by both).

# write_bench_config FILE PORT WORKDIR: one safe-mode account whose keyword rule `hello`
# answers every message the load tool sends; the dedup table keeps every push for the memory
# run; the store lives in WORKDIR.
write_bench_config() {
  local file=$1 port=$2 dir=$3
  cat >"$file" <<TOML
# The benchmark's gateway: one safe-mode account whose keyword rule answers every message.
[server]
listen = "127.0.0.1:$port"
max_clock_skew_secs = 3600   # the pushes are all prepared up front; the fill takes a while
[dedup]
ttl_secs = 3600              # every pushed message stays live for the memory run
capacity = 2000000
[storage]
database = "sqlite://$dir/wxgate.db"

[[accounts]]
name = "bench"
appid = "wx1234567890abcdef"
token = "benchtoken"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
mode = "safe"
  [[accounts.rules]]
  keyword = "help"
  reply = { text = "menu: 1, 2, 3" }
  [[accounts.rules]]
  regex = "^order (\\\\d+)$"
  reply = { text = "order \$1" }
  [[accounts.rules]]
  event = "subscribe"
  reply = { text = "welcome" }
  [[accounts.rules]]
  keyword = "hello"
  reply = { text = "world" }
TOML
}
