#!/usr/bin/env bash
# Cold reads must not stall hot ones on the same loop.
#
# Starts a release cairn-server with one loop (--threads 1) and a small
# block cache (maxmemory 64mb), fills KEYS keys of VALUE_SIZE random bytes,
# then measures GETs of a hot set (HOT keys, cached) with redis-benchmark:
#   1. alone;
#   2. while COLD_CLIENTS other clients GET random keys of the whole
#      keyspace and bench/evict_page_cache.py keeps the SST files out of the
#      OS page cache (so those reads go to the disk), cold-read-offload yes;
#   3. the same with cold-read-offload no (cold reads block the loop);
#   4. the control: COLD_CLIENTS more clients GETting hot keys only, the
#      same added load without a single cold read.
# Prints the hot GETs' requests/s, p50 and p99 in each phase and the p99
# ratios to phase 1 (target: <= 2 with offload). On a 2-core machine the
# added clients alone (phase 4) raise the p99 too: the ratio of phase 2 to
# phase 4 is what the cold reads themselves cost. Every run is bounded.
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

# Hot figures while COLD_CLIENTS more clients GET random keys of the first
# <range>; the processes given after it run alongside and end with them.
hot_run_beside() {  # <range> [pid...] -> "rps,p50,p99"
  local range=$1
  shift
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$PORT" -t get -r "$range" \
    -n 100000000 -c "$COLD_CLIENTS" -d "$VALUE_SIZE" -q >/dev/null 2>&1 &
  local more=$!
  BENCH_PIDS+=("$more")
  sleep 2
  hot_run
  kill "$more" "$@" 2>/dev/null || true
  wait "$more" "$@" 2>/dev/null || true
}

with_cold() {  # <offload yes|no> -> hot figures while cold readers run
  redis-cli -p "$PORT" CONFIG SET cold-read-offload "$1" >/dev/null
  local before
  before=$(redis-cli -p "$PORT" INFO stats | awk -F: '/^cold_reads_offloaded/ { print $2 + 0 }')
  /usr/bin/python3 bench/evict_page_cache.py "$BENCH_TMP/cairn" "$RUN_TIMEOUT_S" &
  local evict=$!
  BENCH_PIDS+=("$evict")
  hot_run_beside "$KEYS" "$evict"
  local after
  after=$(redis-cli -p "$PORT" INFO stats | awk -F: '/^cold_reads_offloaded/ { print $2 + 0 }')
  echo "cold_reads.sh: offload $1: $((after - before)) reads offloaded" >&2
}

# The control: as many more clients, reading hot keys only.
with_hot() { hot_run_beside "$HOT"; }

alone=$(hot_run)
offload=$(with_cold yes)
blocking=$(with_cold no)
control=$(with_hot)
redis-cli -p "$PORT" CONFIG SET cold-read-offload yes >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
IFS=, read -r a_rps a_50 a_99 <<<"$alone"
echo
echo "hot GETs: $HOT keys, $HOT_CLIENTS clients, $HOT_REQUESTS requests; cold: $COLD_CLIENTS clients" \
  "over $KEYS keys, SST pages evicted; one loop, maxmemory 64mb"
printf '%-26s | %10s %7s %7s | %9s\n' phase rps p50 p99 "p99 x"
printf '%-26s | %10s %7s %7s | %9s\n' "hot alone" "$a_rps" "$a_50" "$a_99" 1.00
for row in "with cold, offload:$offload" "with cold, no offload:$blocking" \
  "with $COLD_CLIENTS more hot clients:$control"; do
  name=${row%%:*}
  IFS=, read -r rps p50 p99 <<<"${row#*:}"
  printf '%-26s | %10s %7s %7s | %9s\n' "$name" "$rps" "$p50" "$p99" "$(ratio "$p99" "$a_99")"
done
IFS=, read -r _ _ o_99 <<<"$offload"
IFS=, read -r _ _ c_99 <<<"$control"
echo "(latencies in ms; p99 x = p99 / p99 of hot alone)"
echo "cold readers against the same load of hot readers: p99 x $(ratio "$o_99" "$c_99")"
