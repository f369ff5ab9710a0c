#!/usr/bin/env bash
# Cold reads must not stall hot ones on the same loop.
#
# Starts a release cairn-server with one loop (--threads 1) and a small
# block cache (maxmemory 64mb), fills KEYS keys of VALUE_SIZE random bytes,
# then measures GETs of a hot set (HOT keys, cached) with redis-benchmark:
#   1. alone;
#   2. beside one cold reader: a client GETting random keys of the whole
#      keyspace back to back while bench/evict_page_cache.py keeps the SST
#      files out of the OS page cache, cold-read-offload yes (the target:
#      hot p99 at most 2x phase 1);
#   3. the control of 2: one more client GETting hot keys only;
#   4. beside COLD_CLIENTS cold readers, offload on;
#   5. the control of 4: COLD_CLIENTS more hot clients;
#   6. as 4 with cold-read-offload no (cold reads block the loop).
# Each phase runs ROUNDS times, after RocksDB's background work is done;
# the table shows the median of each figure. On a 2-core machine added
# clients raise the p99 by themselves: the ratio of a cold phase to its
# control is what the cold reads cost. Every run is bounded.
#
#   bench/cold_reads.sh
#   KEYS=2000000 HOT_REQUESTS=200000 bench/cold_reads.sh
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-100}"
HOT="${HOT:-1000}"
HOT_CLIENTS="${HOT_CLIENTS:-20}"
HOT_REQUESTS="${HOT_REQUESTS:-100000}"
COLD_CLIENTS="${COLD_CLIENTS:-8}"
ROUNDS="${ROUNDS:-3}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-120}"

source bench/lib.sh
build_release

PORT=$(free_port)
start_cairn "$PORT" --threads 1 --maxmemory 64mb --appendfsync everysec
t0=$SECONDS
load_keys "$PORT" "$KEYS" "$VALUE_SIZE"
echo "cold_reads.sh: loaded $KEYS keys in $((SECONDS - t0))s" >&2
# Make the loaded keys SST-resident, then warm the hot set.
redis-cli -p "$PORT" SAVE >/dev/null
redis-benchmark -p "$PORT" -t get -r "$HOT" -n $((HOT * 20)) -c 10 -q >/dev/null 2>&1 || true

hot_run() {  # -> "rps,p50,p99"
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$PORT" -t get -r "$HOT" \
    -n "$HOT_REQUESTS" -c "$HOT_CLIENTS" -d "$VALUE_SIZE" --csv |
    awk -F'","' 'NR == 2 { print $2 "," $5 "," $7 }'
}

# Hot figures while <clients> more clients GET random keys of the first
# <range>; the processes given after it run alongside and end with them.
hot_run_beside() {  # <clients> <range> [pid...] -> "rps,p50,p99"
  local clients=$1 range=$2
  shift 2
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$PORT" -t get -r "$range" \
    -n 100000000 -c "$clients" -d "$VALUE_SIZE" -q >/dev/null 2>&1 &
  local more=$!
  BENCH_PIDS+=("$more")
  sleep 2
  hot_run
  kill "$more" "$@" 2>/dev/null || true
  wait "$more" "$@" 2>/dev/null || true
}

with_cold() {  # <offload yes|no> <clients> -> hot figures while cold readers run
  redis-cli -p "$PORT" CONFIG SET cold-read-offload "$1" >/dev/null
  local before
  before=$(info_sum "$PORT" cold_reads_offloaded)
  /usr/bin/python3 bench/evict_page_cache.py "$BENCH_TMP/cairn" "$RUN_TIMEOUT_S" &
  local evict=$!
  BENCH_PIDS+=("$evict")
  hot_run_beside "$2" "$KEYS" "$evict"
  echo "cold_reads.sh: $2 cold, offload $1: $(($(info_sum "$PORT" cold_reads_offloaded) - before))" \
    "reads offloaded" >&2
}

# The control: as many more clients, reading hot keys only.
with_hot() { hot_run_beside "$1" "$HOT"; }

# median of the figures of ROUNDS runs of a phase, field by field.
median_of() {  # "rps,p50,p99" lines on stdin -> "rps,p50,p99"
  local lines out="" i
  lines=$(cat)
  for i in 1 2 3; do
    out+=$(cut -d, -f"$i" <<<"$lines" | sort -g |
      awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    [[ $i -lt 3 ]] && out+=,
  done
  echo "$out"
}
phase() {  # <command...> -> the median figures of ROUNDS runs
  local r
  for r in $(seq 1 "$ROUNDS"); do
    settle cairn_idle "$PORT"
    "$@"
    redis-cli -p "$PORT" CONFIG SET cold-read-offload yes >/dev/null
  done | median_of
}

alone=$(phase hot_run)
cold1=$(phase with_cold yes 1)
hot1=$(phase with_hot 1)
cold_n=$(phase with_cold yes "$COLD_CLIENTS")
hot_n=$(phase with_hot "$COLD_CLIENTS")
blocking=$(phase with_cold no "$COLD_CLIENTS")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
IFS=, read -r a_rps a_50 a_99 <<<"$alone"
echo
echo "hot GETs: $HOT keys, $HOT_CLIENTS clients, $HOT_REQUESTS requests; cold readers GET" \
  "any of $KEYS keys, SST pages evicted; one loop, maxmemory 64mb; median of $ROUNDS rounds"
printf '%-34s | %10s %7s %7s | %7s | %10s\n' phase rps p50 p99 "p99 x" "vs control"
printf '%-34s | %10s %7s %7s | %7s | %10s\n' "hot alone" "$a_rps" "$a_50" "$a_99" 1.00 ""
row() {  # <name> <figures> [control figures]
  local rps p50 p99 c99=""
  IFS=, read -r rps p50 p99 <<<"$2"
  [[ -n "${3:-}" ]] && IFS=, read -r _ _ c99 <<<"$3"
  printf '%-34s | %10s %7s %7s | %7s | %10s\n' "$1" "$rps" "$p50" "$p99" "$(ratio "$p99" "$a_99")" \
    "$([[ -n "$c99" ]] && ratio "$p99" "$c99")"
}
row "beside 1 cold reader (target)" "$cold1" "$hot1"
row "beside 1 more hot client" "$hot1"
row "beside $COLD_CLIENTS cold readers" "$cold_n" "$hot_n"
row "beside $COLD_CLIENTS more hot clients" "$hot_n"
row "beside $COLD_CLIENTS cold, no offload" "$blocking" "$hot_n"
echo "(latencies in ms; p99 x = p99 / p99 of hot alone, target <= 2 beside a cold reader;"
echo " vs control = p99 / p99 beside as many hot clients)"
